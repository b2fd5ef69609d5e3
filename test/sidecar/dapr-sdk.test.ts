// Its own file (so its own process): the Dapr SDK's google-protobuf classes clash with those of
// @microsoft/durabletask-js when both load in one process. The Dapr SDK sends no completion
// tokens, so its completions are matched by instance id (and task id).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  TaskHubGrpcClient,
  TaskHubGrpcWorker,
  type ActivityContext,
  type OrchestrationContext,
} from '@dapr/durabletask-js';
import { whenAll } from '@dapr/durabletask-js/task/index.js';
import { startTestSidecar, waitUntil, type TestSidecar } from './harness.js';

// The Dapr client races each wait against a timer it never clears, which keeps the process
// alive that long after the tests: keep it short (the waits themselves take well under 1 s).
const WAIT_S = 8;

// The Dapr SDK's OrchestrationStatus enum (its own numbering, mapped from the proto).
const COMPLETED = 1;
const TERMINATED = 5;

function hello(_ctx: ActivityContext, name: string): string {
  return `Hello, ${name}!`;
}
function double(_ctx: ActivityContext, n: number): number {
  return n * 2;
}

async function* sequence(
  ctx: OrchestrationContext,
  names: string[],
): AsyncGenerator<unknown, string[], string> {
  const out: string[] = [];
  for (const name of names) out.push(yield ctx.callActivity(hello, name));
  return out;
}
async function* fanOut(ctx: OrchestrationContext, count: number): AsyncGenerator<unknown, number, number[]> {
  // From 1: the Dapr SDK drops falsy activity results (0 would come back as no result).
  const results = yield whenAll(Array.from({ length: count }, (_, n) => ctx.callActivity(double, n + 1)));
  return results.reduce((sum, n) => sum + n, 0);
}
async function* approval(ctx: OrchestrationContext): AsyncGenerator<unknown, string, { by: string }> {
  const event = yield ctx.waitForExternalEvent('approved');
  return `approved by ${event.by}`;
}

describe('sidecar with the @dapr/durabletask-js client and worker', () => {
  let env: TestSidecar;
  let client: TaskHubGrpcClient;
  let worker: TaskHubGrpcWorker;

  before(async () => {
    env = await startTestSidecar();
    worker = new TaskHubGrpcWorker(env.address);
    worker.addOrchestrator(sequence);
    worker.addOrchestrator(fanOut);
    worker.addOrchestrator(approval);
    worker.addActivity(hello);
    worker.addActivity(double);
    await worker.start();
    await waitUntil(() => env.sidecar.executor.stats().streams === 1, 'the Dapr worker stream');
    client = new TaskHubGrpcClient(env.address);
  });

  after(async () => {
    await Promise.allSettled([worker?.stop(), client?.stop()]);
    await env?.close();
  });

  test('a sequence of activities, unicode included', async () => {
    const id = await client.scheduleNewOrchestration(sequence, ['Tokyo', '世界']);
    const state = await client.waitForOrchestrationCompletion(id, true, WAIT_S);
    assert.equal(state?.runtimeStatus, COMPLETED);
    assert.equal(state?.serializedOutput, JSON.stringify(['Hello, Tokyo!', 'Hello, 世界!']));
  });

  test('a fan-out / fan-in', async () => {
    const id = await client.scheduleNewOrchestration(fanOut, 10);
    const state = await client.waitForOrchestrationCompletion(id, true, WAIT_S);
    assert.equal(state?.serializedOutput, '110');
  });

  test('an external event', async () => {
    const id = await client.scheduleNewOrchestration(approval);
    await client.waitForOrchestrationStart(id, false, WAIT_S);
    await client.raiseOrchestrationEvent(id, 'approved', { by: 'Lima' });
    const state = await client.waitForOrchestrationCompletion(id, true, WAIT_S);
    assert.equal(state?.serializedOutput, JSON.stringify('approved by Lima'));
  });

  test('terminate', async () => {
    const id = await client.scheduleNewOrchestration(approval);
    await client.waitForOrchestrationStart(id, false, WAIT_S);
    await client.terminateOrchestration(id, 'enough');
    const state = await client.waitForOrchestrationCompletion(id, true, WAIT_S);
    assert.equal(state?.runtimeStatus, TERMINATED);
    assert.equal(state?.serializedOutput, JSON.stringify('enough'));
    assert.equal(await client.getOrchestrationState('dapr-missing'), undefined);
  });
});
