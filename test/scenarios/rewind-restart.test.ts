import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  NotCompletedError,
  OrchestrationStatus,
  type ActivityContext,
  type OrchestrationContext,
  type OrchestratorGenerator,
  type Registry,
} from '../../src/index.js';
import {
  completedOutput,
  historyShape,
  scenarioSuite,
  uniqueId,
  waitForState,
  WAIT,
  type StoreFactory,
} from './harness.js';
import { postgresStore } from './postgres-store.js';
import { sqliteStore } from './sqlite-store.js';

/** Calls per key: the first call of each key fails, later ones succeed. */
const calls = new Map<string, number>();

function failsFirstTime(_ctx: ActivityContext, key: string): string {
  const call = (calls.get(key) ?? 0) + 1;
  calls.set(key, call);
  if (call === 1) throw new Error(`first call for ${key} failed`);
  return `call ${call} succeeded`;
}

function stamp(_ctx: ActivityContext, input: string): string {
  return `stamped ${input}`;
}

function* stampThenFlaky(ctx: OrchestrationContext, key: string): OrchestratorGenerator<string[]> {
  const stamped: string = (yield ctx.callActivity(stamp, key)) as string;
  const flaky: string = (yield ctx.callActivity(failsFirstTime, key)) as string;
  return [stamped, flaky];
}

function* stampOnce(ctx: OrchestrationContext, input: string): OrchestratorGenerator<string> {
  const stamped: string = (yield ctx.callActivity(stamp, input)) as string;
  return `${stamped} in ${ctx.instanceId}`;
}

function* waitsForGo(ctx: OrchestrationContext): OrchestratorGenerator<unknown> {
  const go: unknown = yield ctx.waitForExternalEvent('go');
  return go;
}

function register(registry: Registry): void {
  registry
    .addActivity(failsFirstTime)
    .addActivity(stamp)
    .addOrchestrator(stampThenFlaky)
    .addOrchestrator(stampOnce)
    .addOrchestrator(waitsForGo);
}

export function rewindRestartScenarios(factory: StoreFactory): void {
  scenarioSuite('rewind and restart', factory, register, (scenario) => {
    test('rewinding a FAILED instance retries the failed activity and the instance completes', async () => {
      const { client } = scenario();
      const key = uniqueId('rewind');
      const id = await client.scheduleNewOrchestration(stampThenFlaky, key, { instanceId: key });
      const failed = await client.waitForOrchestrationCompletion(id, WAIT);
      assert.equal(failed.status, OrchestrationStatus.FAILED);
      assert.match(failed.failureDetails?.errorMessage ?? '', /first call for .* failed/);

      await client.rewindOrchestration(id, 'the downstream service is back');
      // The rewind is an event: the instance shows FAILED until a worker has taken it.
      await waitForState(client, id, (s) => s.status !== OrchestrationStatus.FAILED, 'leaving FAILED');
      assert.deepEqual(await completedOutput(client, id), [`stamped ${key}`, 'call 2 succeeded']);
      assert.equal(calls.get(key), 2, 'only the failed activity ran again');
      const done = await client.getOrchestrationState(id);
      assert.equal(done?.failureDetails, undefined, 'the old failure is cleared');
      const shape = await historyShape(client, id);
      assert.equal(
        shape.filter((c) => c === 'executionCompleted').length,
        1,
        'one completion in the history',
      );
    });

    test('rewinding an instance that has not failed is refused', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(waitsForGo, undefined, {
        instanceId: uniqueId('rewind-running'),
      });
      await client.waitForOrchestrationStart(id, WAIT);
      await assert.rejects(client.rewindOrchestration(id), NotCompletedError);
      await client.raiseOrchestrationEvent(id, 'go', 'went');
      assert.equal(await completedOutput(client, id), 'went');
      await assert.rejects(client.rewindOrchestration(id), NotCompletedError);
    });

    test('restart with the same id runs the instance again from its original input', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(stampOnce, 'original', {
        instanceId: uniqueId('restart-same'),
      });
      assert.equal(await completedOutput(client, id), `stamped original in ${id}`);
      const first = await client.getOrchestrationState(id);

      assert.equal(await client.restartOrchestration(id), id);
      const second = await client.waitForOrchestrationCompletion(id, WAIT);
      assert.equal(second.status, OrchestrationStatus.COMPLETED);
      assert.equal(second.output, JSON.stringify(`stamped original in ${id}`));
      assert.notEqual(second.executionId, first?.executionId, 'a new execution');
      assert.equal(second.input, JSON.stringify('original'));
    });

    test('restart with a new id starts a copy beside the original', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(stampOnce, 'copied', {
        instanceId: uniqueId('restart-new'),
      });
      await completedOutput(client, id);
      const copy = await client.restartOrchestration(id, { newInstanceId: true });
      assert.notEqual(copy, id);
      assert.equal(await completedOutput(client, copy), `stamped copied in ${copy}`);
      const original = await client.getOrchestrationState(id);
      assert.equal(original?.status, OrchestrationStatus.COMPLETED, 'the original stays');
      assert.equal(original.output, JSON.stringify(`stamped copied in ${id}`));
    });

    test('restart under the same id is refused while the instance runs', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(waitsForGo, undefined, {
        instanceId: uniqueId('restart-running'),
      });
      await client.waitForOrchestrationStart(id, WAIT);
      await assert.rejects(client.restartOrchestration(id), NotCompletedError);
      await client.terminateOrchestration(id);
    });
  });
}

rewindRestartScenarios(sqliteStore);
if (postgresStore) rewindRestartScenarios(postgresStore);
