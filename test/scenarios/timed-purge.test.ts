import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OrchestrationContext, OrchestratorGenerator, Registry } from '../../src/index.js';
import { completedOutput, scenarioSuite, uniqueId, WAIT, type StoreFactory } from './harness.js';
import { postgresStore } from './postgres-store.js';
import { sqliteStore } from './sqlite-store.js';

function* quick(ctx: OrchestrationContext, value: unknown): OrchestratorGenerator<unknown> {
  yield ctx.createTimer(0);
  return value;
}
function* waitsForever(ctx: OrchestrationContext): OrchestratorGenerator<unknown> {
  const never: unknown = yield ctx.waitForExternalEvent('never');
  return never;
}

function register(registry: Registry): void {
  registry.addOrchestrator(quick).addOrchestrator(waitsForever);
}

export function timedPurgeScenarios(factory: StoreFactory): void {
  scenarioSuite(
    'purge bounded in time',
    factory,
    register,
    (scenario) => {
      test('a purge whose time is up stops after a batch and says it is incomplete; the next one finishes', async () => {
        const { client } = scenario();
        const ids: string[] = [];
        for (let n = 0; n < 5; n++) {
          const id = await client.scheduleNewOrchestration(quick, n, { instanceId: uniqueId('timed') });
          assert.equal(await completedOutput(client, id), n);
          ids.push(id);
        }
        const running = await client.scheduleNewOrchestration(waitsForever, undefined, {
          instanceId: uniqueId('timed-running'),
        });
        await client.waitForOrchestrationStart(running, WAIT);

        const first = await client.purgeOrchestrationsWithin({}, { timeoutMs: 0, batchSize: 2 });
        assert.deepEqual(first, { deletedInstanceCount: 2, isComplete: false });
        const rest = await client.purgeOrchestrationsWithin({}, { timeoutMs: 60_000, batchSize: 2 });
        assert.deepEqual(rest, { deletedInstanceCount: 3, isComplete: true });
        for (const id of ids) assert.equal(await client.getOrchestrationState(id), undefined);
        assert.ok(await client.getOrchestrationState(running), 'a running instance is never purged');
        await client.terminateOrchestration(running);
      });
    },
    { sequential: true },
  );
}

timedPurgeScenarios(sqliteStore);
if (postgresStore) timedPurgeScenarios(postgresStore);
