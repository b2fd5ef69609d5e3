/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return -- the value of a `yield` is typed any, as in durabletask-js */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  OrchestrationStatus,
  type ActivityContext,
  type AsyncOrchestratorGenerator,
  type OrchestrationContext,
  type OrchestratorGenerator,
  type Registry,
} from '../../src/index.js';
import {
  completedOutput,
  scenarioSuite,
  uniqueId,
  waitForState,
  WAIT,
  type StoreFactory,
} from './harness.js';
import { postgresStore } from './postgres-store.js';
import { sqliteStore } from './sqlite-store.js';

function greet(_ctx: ActivityContext, name: string): string {
  return `Hello, ${name}!`;
}

function echo(_ctx: ActivityContext, value: unknown): unknown {
  return value;
}

function* greetSync(ctx: OrchestrationContext, name: string): OrchestratorGenerator<string> {
  const greeting: string = yield ctx.callActivity(greet, name);
  return greeting;
}

async function* greetAsync(ctx: OrchestrationContext, name: string): AsyncOrchestratorGenerator<string> {
  await Promise.resolve(); // real asynchronous code between yields
  const greeting: string = yield ctx.callActivity(greet, name);
  return greeting;
}

// eslint-disable-next-line require-yield
function* returnsNothing(_ctx: OrchestrationContext): OrchestratorGenerator<void> {
  return;
}

class InventoryError extends Error {
  override name = 'InventoryError';
}

function* throwsAfterActivity(ctx: OrchestrationContext): OrchestratorGenerator<never> {
  yield ctx.callActivity(echo, 1);
  throw new InventoryError('out of widgets');
}

/** Returns isReplaying as seen before the first yield and after each of two activities. */
function* recordsReplaying(ctx: OrchestrationContext): OrchestratorGenerator<boolean[]> {
  const seen = [ctx.isReplaying];
  yield ctx.callActivity(echo, 'a');
  seen.push(ctx.isReplaying);
  yield ctx.callActivity(echo, 'b');
  seen.push(ctx.isReplaying);
  return seen;
}

function* echoThroughActivity(ctx: OrchestrationContext, value: unknown): OrchestratorGenerator<unknown> {
  return yield ctx.callActivity(echo, value);
}

function* customStatusThenWait(ctx: OrchestrationContext): OrchestratorGenerator<string> {
  ctx.setCustomStatus({ stage: 'waiting for approval', ok: '✓' });
  const approver: string = yield ctx.waitForExternalEvent('approve');
  ctx.setCustomStatus({ stage: 'approved' });
  return approver;
}

function register(registry: Registry): void {
  registry
    .addActivity(greet)
    .addActivity(echo)
    .addOrchestrator(greetSync)
    .addOrchestrator(greetAsync)
    .addOrchestrator(returnsNothing)
    .addOrchestrator(throwsAfterActivity)
    .addOrchestrator(recordsReplaying)
    .addOrchestrator(echoThroughActivity)
    .addOrchestrator(customStatusThenWait);
}

export function basicsScenarios(factory: StoreFactory): void {
  scenarioSuite('basics', factory, register, (scenario) => {
    test('a function* orchestrator runs an activity and completes with its output', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(greetSync, 'sync', { instanceId: uniqueId('sync') });
      assert.equal(await completedOutput(client, id), 'Hello, sync!');
    });

    test('an async function* orchestrator runs an activity and completes with its output', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(greetAsync, 'async', {
        instanceId: uniqueId('async'),
      });
      assert.equal(await completedOutput(client, id), 'Hello, async!');
    });

    test('an orchestrator that returns nothing is COMPLETED without output', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(returnsNothing, undefined, {
        instanceId: uniqueId('nothing'),
      });
      const state = await client.waitForOrchestrationCompletion(id, WAIT);
      assert.equal(state.status, OrchestrationStatus.COMPLETED);
      assert.equal(state.output, undefined);
      assert.equal(state.failureDetails, undefined);
    });

    test('an orchestrator that throws is FAILED with error type, message and stack', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(throwsAfterActivity, undefined, {
        instanceId: uniqueId('throws'),
      });
      const state = await client.waitForOrchestrationCompletion(id, WAIT);
      assert.equal(state.status, OrchestrationStatus.FAILED);
      assert.equal(state.output, undefined);
      const failure = state.failureDetails;
      assert.ok(failure, 'failure details are recorded');
      assert.equal(failure.errorType, 'InventoryError');
      assert.equal(failure.errorMessage, 'out of widgets');
      assert.match(failure.stackTrace ?? '', /throwsAfterActivity/);
    });

    test('isReplaying is true while history replays and false for new work', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(recordsReplaying, undefined, {
        instanceId: uniqueId('replaying'),
      });
      // The last turn replays the start and the first activity, then runs on the new result.
      assert.deepEqual(await completedOutput(client, id), [true, true, false]);
    });

    test('an activity round-trips unicode input and output', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(greetSync, '世界', {
        instanceId: uniqueId('unicode'),
      });
      assert.equal(await completedOutput(client, id), 'Hello, 世界!');
      const state = await client.getOrchestrationState(id);
      assert.equal(state?.input, JSON.stringify('世界'));
    });

    test('structured payloads survive the round trip unchanged', async () => {
      const { client } = scenario();
      const value = { text: 'Hello, 世界! 🌍', list: [1, 2.5, null, true], nested: { empty: '' } };
      const id = await client.scheduleNewOrchestration(echoThroughActivity, value, {
        instanceId: uniqueId('payload'),
      });
      assert.deepEqual(await completedOutput(client, id), value);
    });

    test('a custom status set by the orchestrator is visible to clients after the turn', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(customStatusThenWait, undefined, {
        instanceId: uniqueId('custom-status'),
      });
      const waiting = await waitForState(client, id, (s) => s.customStatus !== undefined, 'a custom status');
      assert.equal(waiting.status, OrchestrationStatus.RUNNING);
      assert.deepEqual(JSON.parse(waiting.customStatus ?? ''), { stage: 'waiting for approval', ok: '✓' });

      await client.raiseOrchestrationEvent(id, 'approve', 'ada');
      assert.equal(await completedOutput(client, id), 'ada');
      const done = await client.getOrchestrationState(id);
      assert.deepEqual(JSON.parse(done?.customStatus ?? ''), { stage: 'approved' });
    });

    test('created, started, last-updated and completed times are consistent', async () => {
      const { client } = scenario();
      const before = Date.now();
      const id = await client.scheduleNewOrchestration(greetSync, 'times', { instanceId: uniqueId('times') });
      await completedOutput(client, id);
      const after = Date.now();
      const state = await client.getOrchestrationState(id);
      assert.ok(state);
      const { createdAt, startedAt, lastUpdatedAt, completedAt } = state;
      assert.ok(startedAt !== undefined && completedAt !== undefined, 'started and completed times are set');
      assert.ok(before <= createdAt, `created ${createdAt} before the call at ${before}`);
      assert.ok(createdAt <= startedAt, `started ${startedAt} before created ${createdAt}`);
      assert.ok(startedAt <= completedAt, `completed ${completedAt} before started ${startedAt}`);
      assert.ok(
        completedAt <= lastUpdatedAt,
        `last updated ${lastUpdatedAt} before completed ${completedAt}`,
      );
      assert.ok(lastUpdatedAt <= after, `last updated ${lastUpdatedAt} after the wait ended at ${after}`);
      assert.equal(state.name, 'greetSync');
      assert.equal(state.parentInstanceId, undefined);
    });
  });
}

basicsScenarios(sqliteStore);
if (postgresStore) basicsScenarios(postgresStore);
