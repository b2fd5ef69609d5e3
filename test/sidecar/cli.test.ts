// `durabletask serve` as a user runs it: the bin shim in a child process, a client over gRPC,
// then SIGTERM and a clean exit; a second run on the same file still has the instance.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { EmptySchema, timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  CreateInstanceRequestSchema,
  GetInstanceRequestSchema,
  OrchestrationStatus,
} from '../../src/proto/orchestrator_service_pb.js';
import { RawSidecarClient } from '../../src/sidecar/testing/raw-client.js';
import { runCli, serveProcess, stopProcess } from './serve-process.js';

describe('durabletask serve', () => {
  const dir = mkdtempSync(join(tmpdir(), 'durabletask-cli-'));
  const db = join(dir, 'hub.db');
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('listens, serves a client, and exits 0 on SIGTERM; the file keeps the task hub', async () => {
    const first = await serveProcess(['--db', db, '--log-level', 'warn']);
    assert.equal(first.store, `sqlite: ${db}`);
    const client = new RawSidecarClient(`127.0.0.1:${first.port}`);
    try {
      await client.unary('hello', create(EmptySchema));
      // Scheduled far ahead so nothing needs to run it: it must simply be stored.
      await client.unary(
        'startInstance',
        create(CreateInstanceRequestSchema, {
          instanceId: 'cli-1',
          name: 'later',
          scheduledStartTimestamp: timestampFromMs(Date.now() + 3_600_000),
        }),
      );
    } finally {
      client.close();
    }
    assert.equal(await stopProcess(first, 'SIGTERM'), 0, first.stderr());
    assert.ok(existsSync(db));

    const second = await serveProcess(['--db', `sqlite:${db}`, '--log-level', 'silent']);
    const again = new RawSidecarClient(`127.0.0.1:${second.port}`);
    try {
      const state = await again.unary(
        'getInstance',
        create(GetInstanceRequestSchema, { instanceId: 'cli-1' }),
      );
      assert.equal(state.exists, true);
      assert.equal(state.orchestrationState?.orchestrationStatus, OrchestrationStatus.PENDING);
    } finally {
      again.close();
    }
    assert.equal(await stopProcess(second, 'SIGINT'), 0, second.stderr());
  });

  test('an unsupported store is refused before anything listens (exit 2)', async () => {
    const { code, stderr } = await runCli(['serve', '--db', 'mysql://u:secret@localhost/hub']);
    assert.equal(code, 2);
    assert.match(stderr, /'mysql:\/\/' stores are not supported/);
    assert.doesNotMatch(stderr, /secret/);
  });

  test('--schema without a PostgreSQL store is refused (exit 2)', async () => {
    const { code, stderr } = await runCli(['serve', '--db', db, '--schema', 'hub']);
    assert.equal(code, 2);
    assert.match(stderr, /--schema applies only to a PostgreSQL store/);
    assert.match(stderr, /durabletask serve --help/);
  });
});
