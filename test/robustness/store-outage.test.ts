// A PostgreSQL outage under load, made by cutting a TCP proxy between the engine and the server
// (the shared server itself is never restarted): commits, abandons and leases fail while it
// lasts. Work interrupted by it resumes right after it (failed abandons are retried), not when
// its leases expire (60 s here, beyond the test's bound). The figure (outage end -> all done) goes to the test's diagnostics.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PostgresBackend } from '../../src/backend/postgres/index.js';
import {
  dropSchema,
  requirePostgres,
  testSchemaName,
  TEST_DATABASE_URL,
} from '../../src/backend/postgres/testing/test-database.js';
import {
  createLogger,
  OrchestrationStatus,
  DurableTaskEngine,
  Registry,
  type ActivityContext,
  type AsyncOrchestratorGenerator,
  type OrchestrationContext,
} from '../../src/index.js';
import { TcpProxy } from './tcp-proxy.js';

const INSTANCES = 16;
/** Longer than the outage: the activities in flight when it starts finish during it and fail to report. */
const ACTIVITY_MS = 1_500;
/** Far longer than the test's bound: work left for its lease to expire would time the test out. */
const LEASE_MS = 60_000;
const OUTAGE_MS = 3_000;

async function step(_ctx: ActivityContext, input: number): Promise<number> {
  await sleep(ACTIVITY_MS);
  return input + 1;
}

async function* twoSteps(ctx: OrchestrationContext, input: number): AsyncOrchestratorGenerator<number> {
  const once = (yield ctx.callActivity(step, input)) as number;
  const twice = (yield ctx.callActivity(step, once)) as number;
  return twice;
}

describe('a PostgreSQL outage under load', async () => {
  if (!(await requirePostgres())) return;
  const target = new URL(TEST_DATABASE_URL);
  const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const schema = testSchemaName('_outage');
  let engine: DurableTaskEngine;

  before(async () => {
    await proxy.start();
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = String(proxy.port);
    engine = new DurableTaskEngine({
      backend: new PostgresBackend({
        connectionString: viaProxy.toString(),
        schema,
        poolSize: 6,
        connectionTimeoutMs: 2_000,
        applicationName: 'outage-test',
      }),
      registry: new Registry().addOrchestrator(twoSteps).addActivity(step),
      logger: createLogger(process.env.OUTAGE_LOG === '1' ? 'warn' : 'silent', 'outage'),
      worker: { maxConcurrentOrchestrations: 16, maxConcurrentActivities: 16, lockDurationMs: LEASE_MS },
    });
    await engine.start();
  });
  after(async () => {
    proxy.restore();
    await engine.client.stop();
    await engine.stop().catch(() => undefined);
    await proxy.stop();
    await dropSchema(schema);
  });

  test('every instance completes soon after the outage ends', async (t) => {
    const ids = Array.from({ length: INSTANCES }, (_, i) => `outage-${i}`);
    for (const [i, id] of ids.entries()) {
      await engine.client.scheduleNewOrchestration(twoSteps, i, { instanceId: id });
    }
    await sleep(800); // every instance's first activity is running
    const states = await Promise.all(ids.map((id) => engine.client.getOrchestrationState(id)));
    const doneBefore = states.filter((s) => s?.status === OrchestrationStatus.COMPLETED).length;
    proxy.cut();
    await sleep(OUTAGE_MS);
    proxy.restore();
    const restoredAt = Date.now();

    const done = await Promise.all(
      ids.map(async (id, i) => {
        const state = await engine.client.waitForOrchestrationCompletion(id, { timeoutMs: 40_000 });
        assert.equal(state.output, JSON.stringify(i + 2), id);
        return Date.now();
      }),
    );
    t.diagnostic(
      `outage of ${OUTAGE_MS} ms under load (${doneBefore} done before it): outage end -> ` +
        `all ${INSTANCES} done ${Math.max(...done) - restoredAt} ms`,
    );
  });
});
