// Workers that stay connected but stop reading their GetWorkItems stream (raw HTTP/2 clients that
// never read, so flow control really stalls once the window is full) beside one healthy
// @microsoft/durabletask-js worker: work the hung streams do not take goes to the healthy one,
// the hung streams are closed, and the sidecar's pending work stays bounded meanwhile.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { NoOpLogger, TaskHubGrpcWorker, type OrchestrationContext } from '@microsoft/durabletask-js';
import { OrchestrationStatus } from '../../src/api/status.js';
import { startTestSidecar, waitUntil, type TestSidecar } from '../sidecar/harness.js';
import { HungClient } from './hung-client.js';

const HUNG_STREAMS = 20;
const INSTANCES = 200;
/** Larger than an HTTP/2 stream window (64 KiB): one work item fills a hung stream's window. */
const INPUT = 'x'.repeat(100_000);
const MAX_ORCHESTRATIONS = 8;
const MAX_ACTIVITIES = 8;

async function* measure(_ctx: OrchestrationContext, input: string): AsyncGenerator<unknown, number, unknown> {
  yield* [];
  return input.length;
}

describe('hung workers beside a healthy one', () => {
  let env: TestSidecar;
  let worker: TaskHubGrpcWorker | undefined;
  const hung: HungClient[] = [];

  before(async () => {
    env = await startTestSidecar({
      executor: { deliveryTimeoutMs: 1_000 },
      worker: { maxConcurrentOrchestrations: MAX_ORCHESTRATIONS, maxConcurrentActivities: MAX_ACTIVITIES },
    });
  });
  after(async () => {
    for (const client of hung) client.close();
    await worker?.stop().catch(() => undefined);
    await env.close();
  });

  test(`${INSTANCES} instances finish beside ${HUNG_STREAMS} streams that never read`, async (t) => {
    const { sidecar } = env;
    for (let i = 0; i < HUNG_STREAMS; i++) hung.push(new HungClient(env.address));
    await waitUntil(() => sidecar.executor.stats().streams === HUNG_STREAMS, 'the hung streams connected');
    worker = new TaskHubGrpcWorker({ hostAddress: env.address, logger: new NoOpLogger() });
    worker.addOrchestrator(measure);
    await worker.start();
    await waitUntil(
      () => sidecar.executor.stats().streams === HUNG_STREAMS + 1,
      'the healthy worker connected',
    );

    const started = Date.now();
    const ids = Array.from({ length: INSTANCES }, (_, i) => `hung-${i}`);
    for (const id of ids) await sidecar.client.scheduleNewOrchestration('measure', INPUT, { instanceId: id });

    // Bounded memory: work waits in the store, not in the sidecar; at most what the worker slots
    // hold is pending, plus the copies stuck in hung streams' buffers until they are closed.
    let maxWaiting = 0;
    let maxUndelivered = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        maxWaiting = Math.max(maxWaiting, sidecar.executor.stats().waiting);
        maxUndelivered = Math.max(maxUndelivered, sidecar.executor.deliveryStats().undelivered);
        await sleep(20);
      }
    })();

    try {
      for (const id of ids) {
        const state = await sidecar.client.waitForOrchestrationCompletion(id, { timeoutMs: 120_000 });
        assert.equal(state.status, OrchestrationStatus.COMPLETED, id);
        assert.equal(state.output, String(INPUT.length), id);
      }
    } finally {
      sampling = false;
      await sampler;
    }
    const slots = MAX_ORCHESTRATIONS + MAX_ACTIVITIES;
    assert.ok(maxWaiting <= slots, `waiting ${maxWaiting} <= ${slots}`);
    assert.ok(maxUndelivered <= 2 * slots, `undelivered ${maxUndelivered} <= ${2 * slots}`);
    await waitUntil(
      () => hung.every((client) => client.closed),
      'every hung stream closed by the sidecar',
      30_000,
    );
    assert.equal(sidecar.executor.stats().streams, 1, 'only the healthy worker is left');
    t.diagnostic(
      `${INSTANCES} instances with ${HUNG_STREAMS} hung streams: all done in ${Date.now() - started} ms ` +
        `(delivery timeout 1 s); max waiting ${maxWaiting}, max undelivered ${maxUndelivered}`,
    );
  });
});
