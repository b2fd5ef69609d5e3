// Schedules across engine restarts (catch-up after downtime) and across two engines on one
// store (each tick runs once).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DurableTaskEngine,
  Registry,
  type OrchestrationContext,
  type OrchestratorGenerator,
} from '../../src/index.js';
import { sleep, uniqueId, type StoreFactory } from './harness.js';
import { postgresStore } from './postgres-store.js';
import { runTicks, waitForSchedule } from './schedule-helpers.js';
import { sqliteStore } from './sqlite-store.js';

// eslint-disable-next-line require-yield -- a run that completes at once with its input
function* echoRun(_ctx: OrchestrationContext, input: unknown): OrchestratorGenerator<unknown> {
  return input;
}
const registry = (): Registry => new Registry().addOrchestrator(echoRun);

function recoveryScenarios(factory: StoreFactory): void {
  describe(`schedule recovery [${factory.name}]`, () => {
    test('ticks due while no engine ran run once each after a restart, within the catch-up window', async () => {
      const store = await factory.create();
      const first = new DurableTaskEngine({ backend: store.backend, registry: registry() });
      let second: DurableTaskEngine | undefined;
      try {
        await first.start();
        const id = uniqueId('downtime');
        await first.schedules.create(id, { intervalMs: 300, orchestration: 'echoRun', overlap: 'allow-all' });
        const before = await waitForSchedule(
          first.schedules,
          id,
          (s) => s.counts.started >= 1,
          'a first run',
        );
        await first.stop();
        const stoppedAt = Date.now();
        await sleep(1_800); // about six ticks pass with no engine running
        second = new DurableTaskEngine({ backend: store.openBackend(), registry: registry() });
        const restartedAt = Date.now();
        await second.start();
        const after = await waitForSchedule(
          second.schedules,
          id,
          (s) => (s.lastTickAt ?? 0) > restartedAt + 300,
          'ticks handled past the restart',
        );
        await second.schedules.delete(id);
        const ticks = await runTicks(second.client, id);
        assert.ok(ticks.length > before.counts.started);
        assert.ok(
          ticks.filter((t) => t > stoppedAt && t < restartedAt).length >= 4,
          'the ticks of the gap ran',
        );
        for (let i = 1; i < ticks.length; i++) {
          assert.equal((ticks[i] ?? 0) - (ticks[i - 1] ?? 0), 300, 'every tick ran once');
        }
        assert.equal(after.counts.missed, 0);
      } finally {
        await second?.stop();
        await first.stop();
        await store.dispose();
      }
    });
  });
}

recoveryScenarios(sqliteStore);
if (postgresStore) {
  recoveryScenarios(postgresStore);
  const factory = postgresStore;
  test('two engines on one PostgreSQL store start each tick of a schedule exactly once', async () => {
    const store = await factory.create();
    const engines = [store.backend, store.openBackend()].map(
      (backend) => new DurableTaskEngine({ backend, registry: registry() }),
    );
    try {
      await Promise.all(engines.map((e) => e.start()));
      const [a, b] = engines as [DurableTaskEngine, DurableTaskEngine];
      const id = uniqueId('shared');
      await a.schedules.create(id, { intervalMs: 250, orchestration: 'echoRun', overlap: 'allow-all' });
      const info = await waitForSchedule(b.schedules, id, (s) => s.counts.started >= 8, 'eight runs');
      await b.schedules.delete(id);
      const ticks = await runTicks(a.client, id);
      assert.ok(ticks.length >= info.counts.started);
      for (let i = 1; i < ticks.length; i++) {
        assert.equal((ticks[i] ?? 0) - (ticks[i - 1] ?? 0), 250, 'one run per tick, none skipped or doubled');
      }
    } finally {
      await Promise.all(engines.map((e) => e.stop()));
      await store.dispose();
    }
  });
}
