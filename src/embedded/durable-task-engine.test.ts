import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDurableTaskError } from '../api/errors.js';
import { OrchestrationStatus } from '../api/status.js';
import { SqliteBackend } from '../backend/sqlite/index.js';
import type { ActivityContext } from '../sdk/activity.js';
import type { OrchestrationContext } from '../sdk/context.js';
import type { OrchestratorGenerator } from '../sdk/orchestrator.js';
import { Registry } from '../sdk/registry.js';
import { DurableTaskEngine } from './durable-task-engine.js';

const double = (_ctx: ActivityContext, n: number): number => n * 2;

function* doubleIt(ctx: OrchestrationContext, n: number): OrchestratorGenerator<number> {
  return (yield ctx.callActivity(double, n)) as number;
}

function* waitForever(ctx: OrchestrationContext): OrchestratorGenerator<void> {
  yield ctx.waitForExternalEvent('never');
}

function engineOnMemory(): DurableTaskEngine {
  return new DurableTaskEngine({
    backend: new SqliteBackend({ path: ':memory:' }),
    registry: new Registry().addActivity(double).addOrchestrator(doubleIt).addOrchestrator(waitForever),
  });
}

test('an engine runs an orchestration with an activity to completion', async () => {
  const engine = engineOnMemory();
  await engine.start();
  try {
    const id = await engine.client.scheduleNewOrchestration(doubleIt, 21);
    const state = await engine.client.waitForOrchestrationCompletion(id, { timeoutMs: 10_000 });
    assert.equal(state.status, OrchestrationStatus.COMPLETED);
    assert.equal(state.output, '42');
  } finally {
    await engine.stop();
  }
});

test('stop answers pending waits with a shutdown error and is idempotent', async () => {
  const engine = engineOnMemory();
  await engine.start();
  const id = await engine.client.scheduleNewOrchestration(waitForever);
  await engine.client.waitForOrchestrationStart(id, { timeoutMs: 10_000 });
  const waiting = engine.client.waitForOrchestrationCompletion(id);
  const first = engine.stop();
  const second = engine.stop();
  assert.equal(first, second);
  await assert.rejects(waiting, (err) => isDurableTaskError(err, 'SHUTDOWN'));
  await first;
});
