import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { OrchestrationStatus } from '../api/status.js';
import { SqliteBackend } from '../backend/sqlite/index.js';
import { InProcessExecutor } from '../executor/in-process-executor.js';
import type { ActivityContext } from '../sdk/activity.js';
import type { OrchestrationContext } from '../sdk/context.js';
import { Registry } from '../sdk/registry.js';
import { TaskHubWorker } from '../worker/task-hub-worker.js';
import { TaskHubClient } from './task-hub-client.js';

/** Generous bound so a broken wake-up fails the test instead of hanging it. */
const WAIT = { timeoutMs: 20_000 };

function greet(_ctx: ActivityContext, name: string): string {
  return `Hello, ${name}!`;
}

async function* approveAndGreet(
  ctx: OrchestrationContext,
  name: string,
): AsyncGenerator<unknown, string, unknown> {
  const approval = yield ctx.waitForExternalEvent('approve');
  const greeting = yield ctx.callActivity(greet, name);
  return `${String(greeting)} ${JSON.stringify(approval)}`;
}

/** A client and a running worker sharing one in-memory SQLite store, all stopped after the test. */
async function embedded(t: TestContext): Promise<TaskHubClient> {
  const backend = new SqliteBackend({ path: ':memory:' });
  await backend.start();
  const registry = new Registry().addOrchestrator(approveAndGreet).addActivity(greet);
  const worker = new TaskHubWorker({ backend, executor: new InProcessExecutor(registry) });
  await worker.start();
  const client = new TaskHubClient({ backend });
  t.after(async () => {
    await client.stop();
    await worker.stop();
    await backend.stop();
  });
  return client;
}

describe('the client driving a real worker', () => {
  test('an instance starts, receives an event, runs an activity and completes', async (t) => {
    const client = await embedded(t);
    const id = await client.scheduleNewOrchestration(approveAndGreet, '世界');
    const started = await client.waitForOrchestrationStart(id, WAIT);
    assert.equal(started.status, OrchestrationStatus.RUNNING);

    await client.raiseOrchestrationEvent(id, 'approve', { ok: true });
    const done = await client.waitForOrchestrationCompletion(id, WAIT);
    assert.equal(done.status, OrchestrationStatus.COMPLETED);
    assert.equal(done.output, JSON.stringify('Hello, 世界! {"ok":true}'));
  });

  test('suspend shows SUSPENDED; terminate ends it with the given output', async (t) => {
    const client = await embedded(t);
    const id = await client.scheduleNewOrchestration(approveAndGreet, 'x');
    await client.waitForOrchestrationStart(id, WAIT);
    await client.suspendOrchestration(id, 'pause');
    await waitForStatus(client, id, OrchestrationStatus.SUSPENDED);

    await client.terminateOrchestration(id, { output: 'stopped' });
    const done = await client.waitForOrchestrationCompletion(id, WAIT);
    assert.equal(done.status, OrchestrationStatus.TERMINATED);
    assert.equal(done.output, '"stopped"');
  });
});

/** Re-reads the state until it shows `status` (no client wait exists for a status); bounded. */
async function waitForStatus(client: TaskHubClient, id: string, status: OrchestrationStatus): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await client.getOrchestrationState(id))?.status === status) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`instance ${id} never reached status ${status}`);
}
