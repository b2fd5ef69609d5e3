// Limits on GetWorkItems streams, per client connection and in total: streams beyond them are
// refused with RESOURCE_EXHAUSTED, the sidecar keeps serving, and a freed place can be taken again.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import { RawSidecarClient } from '../../src/sidecar/testing/raw-client.js';
import { startTestSidecar, waitUntil, type TestSidecar } from '../sidecar/harness.js';
import { HungClient } from './hung-client.js';

const EXHAUSTED = String(status.RESOURCE_EXHAUSTED);

describe('work item stream limits', () => {
  let env: TestSidecar;
  const clients: HungClient[] = [];

  before(async () => {
    env = await startTestSidecar({ workItemStreams: { maxStreams: 5, maxStreamsPerConnection: 2 } });
  });
  after(async () => {
    for (const client of clients) client.close();
    await env.close();
  });

  test('streams beyond the per-connection and total limits are refused; the sidecar keeps serving', async () => {
    const streams = () => env.sidecar.executor.stats().streams;
    const a = new HungClient(env.address);
    clients.push(a);
    a.openStream();
    a.openStream();
    await waitUntil(() => a.refusals.size === 1, 'the third stream of one connection refused');
    assert.equal(a.refusals.get(2), EXHAUSTED);
    assert.equal(streams(), 2);

    const b = new HungClient(env.address);
    b.openStream();
    const c = new HungClient(env.address);
    clients.push(b, c);
    await waitUntil(() => streams() === 5, 'five streams open');
    c.openStream();
    await waitUntil(() => c.refusals.size === 1, 'the sixth stream refused by the total limit');
    assert.equal(c.refusals.get(1), EXHAUSTED);
    assert.equal(streams(), 5);

    const raw = new RawSidecarClient(env.address);
    try {
      await raw.unary('hello', create(EmptySchema)); // other rpcs are served meanwhile
    } finally {
      raw.close();
    }

    a.close();
    await waitUntil(() => streams() === 3, "the closed connection's streams gone");
    const d = new HungClient(env.address);
    clients.push(d);
    await waitUntil(() => streams() === 4, 'a freed place is taken again');
    assert.equal(d.refusals.size, 0);
  });
});
