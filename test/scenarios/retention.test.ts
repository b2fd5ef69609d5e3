// Retention: finished instances are purged in the background once older than the policy says,
// per status; everything else stays.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DurableTaskEngine,
  OrchestrationStatus,
  Registry,
  type OrchestrationContext,
  type OrchestratorGenerator,
} from '../../src/index.js';
import { sleep, uniqueId, WAIT, type StoreFactory } from './harness.js';
import { postgresStore } from './postgres-store.js';
import { sqliteStore } from './sqlite-store.js';

// eslint-disable-next-line require-yield -- completes at once
function* quick(_ctx: OrchestrationContext, fail: boolean): OrchestratorGenerator<string> {
  if (fail) throw new Error('failed on purpose');
  return 'done';
}
function* waiting(ctx: OrchestrationContext): OrchestratorGenerator<unknown> {
  return (yield ctx.waitForExternalEvent('go')) as unknown;
}

function retentionScenarios(factory: StoreFactory): void {
  describe(`retention [${factory.name}]`, () => {
    test('completed instances go after their retention; failed and running ones stay', async () => {
      const store = await factory.create();
      const engine = new DurableTaskEngine({
        backend: store.backend,
        registry: new Registry().addOrchestrator(quick).addOrchestrator(waiting),
        retention: { policy: { completed: 1_000 }, intervalMs: 200, batchSize: 3 },
      });
      try {
        await engine.start();
        const { client } = engine;
        const done = await Promise.all(
          Array.from({ length: 7 }, (_, i) =>
            client.scheduleNewOrchestration(quick, false, { instanceId: uniqueId(`ok${i}`) }),
          ),
        );
        const failed = await client.scheduleNewOrchestration(quick, true, { instanceId: uniqueId('failed') });
        const running = await client.scheduleNewOrchestration(waiting, undefined, {
          instanceId: uniqueId('running'),
        });
        for (const id of done) await client.waitForOrchestrationCompletion(id, WAIT);
        await client.waitForOrchestrationCompletion(failed, WAIT);
        await client.waitForOrchestrationStart(running, WAIT);

        // Kept until the retention has passed...
        assert.ok(await client.getOrchestrationState(done[0] ?? ''), 'a fresh completed instance is kept');
        const deadline = Date.now() + WAIT.timeoutMs;
        let left = done.length;
        while (left > 0 && Date.now() < deadline) {
          await sleep(100);
          left = (await Promise.all(done.map((id) => client.getOrchestrationState(id)))).filter(
            Boolean,
          ).length;
        }
        // ...then purged, in batches of three, history and all.
        assert.equal(left, 0, 'every completed instance was purged');
        for (const id of done) assert.equal(await store.rowsFor(id), 0, `no row of ${id} is left`);
        assert.equal((await client.getOrchestrationState(failed))?.status, OrchestrationStatus.FAILED);
        assert.equal((await client.getOrchestrationState(running))?.status, OrchestrationStatus.RUNNING);
        await client.raiseOrchestrationEvent(running, 'go', 1);
        await client.waitForOrchestrationCompletion(running, WAIT);
      } finally {
        await engine.stop();
        await store.dispose();
      }
    });
  });
}

retentionScenarios(sqliteStore);
if (postgresStore) retentionScenarios(postgresStore);

test('a bad retention policy is refused before the engine starts', () => {
  assert.throws(
    () => new DurableTaskEngine({ retention: { policy: { completed: 10 } } }),
    /retention for completed instances is at least 1000 ms/,
  );
  assert.throws(
    () => new DurableTaskEngine({ retention: { policy: { pending: 5_000 } as never } }),
    /Unknown retention status 'pending'/,
  );
});
