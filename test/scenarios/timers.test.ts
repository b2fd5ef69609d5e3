import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type OrchestrationContext, type OrchestratorGenerator, type Registry } from '../../src/index.js';
import { completedOutput, historyShape, scenarioSuite, uniqueId, type StoreFactory } from './harness.js';
import { postgresStore } from './postgres-store.js';
import { sqliteStore } from './sqlite-store.js';

function* zeroDelayTimers(ctx: OrchestrationContext): OrchestratorGenerator<string> {
  yield ctx.createTimer(0);
  yield ctx.createTimer(ctx.currentUtcDateTime);
  return 'both fired';
}

/** Three 1 s timers at once; returns how much orchestration time passed until all fired. */
function* threeConcurrentTimers(ctx: OrchestrationContext): OrchestratorGenerator<number> {
  const start = ctx.currentUtcDateTime.getTime();
  yield ctx.whenAll([ctx.createTimer(1), ctx.createTimer(1), ctx.createTimer(1)]);
  return ctx.currentUtcDateTime.getTime() - start;
}

function register(registry: Registry): void {
  registry.addOrchestrator(zeroDelayTimers).addOrchestrator(threeConcurrentTimers);
}

export function timerScenarios(factory: StoreFactory): void {
  scenarioSuite('timers', factory, register, (scenario) => {
    test('a zero-delay timer (0 seconds or the current time) completes', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(zeroDelayTimers, undefined, {
        instanceId: uniqueId('zero'),
      });
      assert.equal(await completedOutput(client, id), 'both fired');
      const shape = await historyShape(client, id);
      assert.equal(shape.filter((c) => c === 'timerFired').length, 2);
    });

    test('three concurrent 1 s timers fire no earlier than 1 s and all within 5 s', async () => {
      const { client } = scenario();
      const started = Date.now();
      const id = await client.scheduleNewOrchestration(threeConcurrentTimers, undefined, {
        instanceId: uniqueId('three-timers'),
      });
      const orchestrationElapsed = await completedOutput(client, id);
      const elapsed = Date.now() - started;
      assert.ok(
        typeof orchestrationElapsed === 'number' && orchestrationElapsed >= 1000,
        `fired after ${String(orchestrationElapsed)} ms`,
      );
      assert.ok(elapsed < 5000, `three 1 s timers took ${elapsed} ms`);
      const shape = await historyShape(client, id);
      assert.equal(shape.filter((c) => c === 'timerCreated').length, 3);
      assert.equal(shape.filter((c) => c === 'timerFired').length, 3);
    });
  });
}

timerScenarios(sqliteStore);
if (postgresStore) timerScenarios(postgresStore);
