/* eslint-disable @typescript-eslint/no-unsafe-assignment -- the value of a `yield` is typed any, as in durabletask-js */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  OrchestrationStatus,
  type OrchestrationContext,
  type OrchestratorGenerator,
  type Registry,
} from '../../src/index.js';
import {
  completedOutput,
  historyShape,
  scenarioSuite,
  sleep,
  uniqueId,
  waitForStatus,
  type StoreFactory,
} from './harness.js';
import { postgresStore } from './postgres-store.js';
import { sqliteStore } from './sqlite-store.js';

/** Waits for 'start', then takes two 'b' events and two 'a' events, in that order. */
function* bufferedPerName(ctx: OrchestrationContext): OrchestratorGenerator<string[]> {
  yield ctx.waitForExternalEvent('start');
  const taken: string[] = [];
  for (const name of ['b', 'b', 'a', 'a']) {
    const value: string = yield ctx.waitForExternalEvent(name);
    taken.push(value);
  }
  return taken;
}

function* waitsForApproval(ctx: OrchestrationContext): OrchestratorGenerator<unknown> {
  const approval: unknown = yield ctx.waitForExternalEvent('Approval');
  return approval;
}

function* waitsWithTimeout(
  ctx: OrchestrationContext,
): OrchestratorGenerator<{ name: string; code: unknown }> {
  try {
    yield ctx.waitForExternalEvent('never', { timeoutMs: 300 });
    return { name: 'no error', code: undefined };
  } catch (err) {
    const error = err as Error & { code?: unknown };
    return { name: error.name, code: error.code };
  }
}

/** The event's timeout timer fires later (stale) while the orchestrator waits on a second timer. */
function* outlivesStaleTimer(ctx: OrchestrationContext): OrchestratorGenerator<unknown> {
  const value: unknown = yield ctx.waitForExternalEvent('answer', { timeoutMs: 1000 });
  yield ctx.createTimer(1.5);
  return value;
}

function register(registry: Registry): void {
  registry
    .addOrchestrator(bufferedPerName)
    .addOrchestrator(waitsForApproval)
    .addOrchestrator(waitsWithTimeout)
    .addOrchestrator(outlivesStaleTimer);
}

export function eventScenarios(factory: StoreFactory): void {
  scenarioSuite('external events', factory, register, (scenario) => {
    test('events are buffered until awaited and delivered FIFO per name', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(bufferedPerName, undefined, {
        instanceId: uniqueId('fifo'),
      });
      await client.waitForOrchestrationStart(id);
      // Sent one by one (each its own turn) while the orchestrator still waits for 'start'.
      for (const [name, data] of [
        ['a', 'a1'],
        ['b', 'b1'],
        ['a', 'a2'],
        ['b', 'b2'],
      ] as const) {
        await client.raiseOrchestrationEvent(id, name, data);
        await sleep(20);
      }
      assert.equal((await client.getOrchestrationState(id))?.status, OrchestrationStatus.RUNNING);
      await client.raiseOrchestrationEvent(id, 'start');
      assert.deepEqual(await completedOutput(client, id), ['b1', 'b2', 'a1', 'a2']);
    });

    test('event names are case-insensitive', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(waitsForApproval, undefined, {
        instanceId: uniqueId('case'),
      });
      await client.waitForOrchestrationStart(id);
      await client.raiseOrchestrationEvent(id, 'APPROVAL', { approved: true });
      assert.deepEqual(await completedOutput(client, id), { approved: true });
    });

    test('a wait with a timeout fails with a cancellation when nothing arrives', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(waitsWithTimeout, undefined, {
        instanceId: uniqueId('timeout'),
      });
      assert.deepEqual(await completedOutput(client, id), {
        name: 'TaskCancelledError',
        code: 'TASK_CANCELLED',
      });
      const shape = await historyShape(client, id);
      assert.deepEqual(
        shape.filter((c) => c === 'timerCreated' || c === 'timerFired'),
        ['timerCreated', 'timerFired'],
      );
    });

    test('an event raised before its timeout survives the stale timer that fires later', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(outlivesStaleTimer, undefined, {
        instanceId: uniqueId('stale-timer'),
      });
      await waitForStatus(client, id, OrchestrationStatus.RUNNING);
      await client.raiseOrchestrationEvent(id, 'answer', 42);
      assert.equal(await completedOutput(client, id), 42);
      // Both timers fired: the stale timeout (ignored) and the orchestrator's 1.5 s timer.
      const shape = await historyShape(client, id);
      assert.equal(shape.filter((c) => c === 'timerFired').length, 2);
      assert.ok(shape.indexOf('eventRaised') < shape.indexOf('timerFired'), 'the event came first');
    });
  });
}

eventScenarios(sqliteStore);
if (postgresStore) eventScenarios(postgresStore);
