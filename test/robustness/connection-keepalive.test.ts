// Keepalive and the idle cut-off of the sidecar port: a socket that never speaks is closed, and a
// worker whose connection goes silent (frozen proxy: no FIN, pings unanswered) loses its stream.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { create } from '@bufbuild/protobuf';
import { RemoteExecutor } from '../../src/executor/remote/index.js';
import { GetWorkItemsRequestSchema } from '../../src/proto/orchestrator_service_pb.js';
import { connectionServerOptions, SidecarServer } from '../../src/sidecar/sidecar-server.js';
import { RawSidecarClient } from '../../src/sidecar/testing/raw-client.js';
import { TcpProxy } from './tcp-proxy.js';

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('sidecar connection keepalive and idle timeout', () => {
  const executor = new RemoteExecutor({ pingIntervalMs: 0 });
  const server = new SidecarServer({
    executor,
    shutdownGraceMs: 1_000,
    connections: { keepaliveTimeMs: 300, keepaliveTimeoutMs: 300, maxConnectionIdleMs: 500 },
  });
  let port = 0;

  before(async () => {
    void executor.start();
    port = await server.start({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await server.stop();
    await executor.stop();
  });

  test('a connection that never speaks is closed once idle', async () => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('data', () => undefined); // the server's SETTINGS; we answer nothing
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
    const outcome = await Promise.race([closed.then(() => 'closed'), sleep(15_000).then(() => 'open')]);
    socket.destroy();
    assert.equal(outcome, 'closed');
  });

  test('a worker stream on a silent connection is dropped by keepalive; a live one stays', async () => {
    const proxy = new TcpProxy({ host: '127.0.0.1', port });
    await proxy.start();
    const frozen = new RawSidecarClient(`127.0.0.1:${proxy.port}`);
    const live = new RawSidecarClient(`127.0.0.1:${port}`);
    const frozenStream = frozen.stream('getWorkItems', create(GetWorkItemsRequestSchema, {}));
    const liveStream = live.stream('getWorkItems', create(GetWorkItemsRequestSchema, {}));
    for (const stream of [frozenStream, liveStream]) {
      stream.on('data', () => undefined);
      stream.on('error', () => undefined);
    }
    try {
      await waitFor(() => executor.stats().streams === 2, 'both streams connected');
      // Several keepalive and idle periods: an answering connection with an open call stays.
      await sleep(1_500);
      assert.equal(executor.stats().streams, 2);

      proxy.freeze();
      await waitFor(() => executor.stats().streams === 1, 'the silent stream dropped');
      await sleep(1_000);
      assert.equal(executor.stats().streams, 1, 'the live stream is kept');
    } finally {
      frozenStream.cancel();
      liveStream.cancel();
      frozen.close();
      live.close();
      await proxy.stop();
    }
  });

  test('bad connection options are refused', () => {
    assert.throws(() => connectionServerOptions({ keepaliveTimeMs: 0 }), /keepaliveTimeMs/);
    assert.deepEqual(
      connectionServerOptions({ maxConnectionIdleMs: 1000 })['grpc.max_connection_idle_ms'],
      1000,
    );
  });
});
