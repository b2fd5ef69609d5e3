// Sidecar start/stop: idempotent stop, a failed start that releases everything, open waits
// answered on stop, and in-flight work that survives a stop on the SQLite file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import * as grpc from '@grpc/grpc-js';
import { SqliteBackend } from '../../src/backend/sqlite/index.js';
import {
  CreateInstanceRequestSchema,
  GetInstanceRequestSchema,
  GetWorkItemsRequestSchema,
  OrchestrationStatus,
  type WorkItem,
} from '../../src/proto/orchestrator_service_pb.js';
import { Sidecar } from '../../src/sidecar/sidecar.js';
import { RawSidecarClient } from '../../src/sidecar/testing/raw-client.js';
import { startTestSidecar, waitUntil, within } from './harness.js';
import { RawEchoWorker } from './raw-worker.js';

describe('Sidecar lifecycle', () => {
  test('stop before start, and twice, resolves; start after stop is refused', async () => {
    const sidecar = new Sidecar({ backend: new SqliteBackend({ path: ':memory:' }) });
    await sidecar.stop();
    await sidecar.stop();
    await assert.rejects(sidecar.start({ port: 0 }), /cannot be called once stopped/);
  });

  test('a start that cannot bind fails and releases the store', async () => {
    const first = await startTestSidecar();
    const port = Number(first.address.split(':')[1]);
    const backend = new SqliteBackend({ path: ':memory:' });
    const second = new Sidecar({ backend });
    try {
      await assert.rejects(second.start({ host: '127.0.0.1', port }));
      await assert.rejects(backend.getInstance('any', false), 'the backend was stopped');
      await second.stop();
    } finally {
      await first.close();
    }
  });

  test('stop answers open waits with UNAVAILABLE and ends worker streams', async () => {
    const env = await startTestSidecar();
    const raw = new RawSidecarClient(env.address);
    try {
      await raw.unary(
        'startInstance',
        create(CreateInstanceRequestSchema, { instanceId: 'w', name: 'never' }),
      );
      const wait = raw.unary(
        'waitForInstanceCompletion',
        create(GetInstanceRequestSchema, { instanceId: 'w' }),
      );
      const stream = raw.stream('getWorkItems', create(GetWorkItemsRequestSchema, {}));
      const ended = new Promise<void>((resolve) => {
        stream.on('end', resolve);
        stream.on('error', () => resolve());
      });
      stream.on('data', () => undefined);
      await waitUntil(() => env.sidecar.executor.stats().streams === 1, 'the stream');
      const stopped = env.close();
      await assert.rejects(within(wait, 10_000, 'the wait to be answered'), (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.UNAVAILABLE);
        assert.match(err.details, /shutting down/);
        return true;
      });
      await within(ended, 10_000, 'the stream to end');
      await within(stopped, 10_000, 'stop to finish');
    } finally {
      raw.close();
      await env.close();
    }
  });

  test('a turn in flight at stop goes back to the store and completes after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'durabletask-restart-'));
    const path = join(dir, 'hub.db');
    // A short lease so the turn leased before the stop is not held for long if it was not abandoned.
    const options = { shutdownGraceMs: 1_000, worker: { lockDurationMs: 2_000, pollIntervalMs: 200 } };
    try {
      const first = new Sidecar({ ...options, backend: new SqliteBackend({ path }) });
      const { port } = await first.start({ port: 0 });
      const raw = new RawSidecarClient(`127.0.0.1:${port}`);
      await raw.unary('hello', create(EmptySchema));
      const stream = raw.stream('getWorkItems', create(GetWorkItemsRequestSchema, {}));
      stream.on('error', () => undefined);
      const held = new Promise<WorkItem>((resolve) => stream.on('data', resolve));
      await raw.unary(
        'startInstance',
        create(CreateInstanceRequestSchema, { instanceId: 'survivor', name: 'echo', input: '"kept"' }),
      );
      await within(held, 10_000, 'the turn to reach the stream'); // held, never answered
      await within(first.stop(), 10_000, 'the first sidecar to stop');
      raw.close();

      const second = new Sidecar({ ...options, backend: new SqliteBackend({ path }) });
      const restarted = await second.start({ port: 0 });
      const worker = new RawEchoWorker(`127.0.0.1:${restarted.port}`);
      try {
        await worker.start();
        const done = await within(
          worker.client.unary(
            'waitForInstanceCompletion',
            create(GetInstanceRequestSchema, { instanceId: 'survivor', getInputsAndOutputs: true }),
          ),
          15_000,
          'the instance to complete after the restart',
        );
        assert.equal(done.orchestrationState?.orchestrationStatus, OrchestrationStatus.COMPLETED);
        assert.equal(done.orchestrationState?.output, '"kept"');
      } finally {
        worker.close();
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
