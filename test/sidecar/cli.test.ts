// `durabletask serve` as a user runs it: the bin shim in a child process, a client over gRPC,
// then SIGTERM and a clean exit; a second run on the same file still has the instance.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { create } from '@bufbuild/protobuf';
import { EmptySchema, timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  CreateInstanceRequestSchema,
  GetInstanceRequestSchema,
  OrchestrationStatus,
} from '../../src/proto/orchestrator_service_pb.js';
import { RawSidecarClient } from '../../src/sidecar/testing/raw-client.js';
import { within } from './harness.js';

const BIN = fileURLToPath(new URL('../../bin/durabletask.mjs', import.meta.url));
const LISTENING = /^durabletask sidecar listening on 127\.0\.0\.1:(\d+) \(sqlite: (.+)\)$/m;

interface Served {
  readonly child: ChildProcess;
  readonly port: number;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

/** Spawns `durabletask serve` and resolves once it prints where it listens. */
async function serve(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = LISTENING.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    void exited.then((code) => reject(new Error(`exited with ${code} before listening: ${stderr}`)));
  });
  try {
    const port = await within(listening, 30_000, `the listening line (stdout: ${stdout})`);
    return { child, port, stderr: () => stderr, exited };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

describe('durabletask serve', () => {
  const dir = mkdtempSync(join(tmpdir(), 'durabletask-cli-'));
  const db = join(dir, 'hub.db');
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('listens, serves a client, and exits 0 on SIGTERM; the file keeps the task hub', async () => {
    const first = await serve(['--db', db, '--log-level', 'warn']);
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
    first.child.kill('SIGTERM');
    assert.equal(await within(first.exited, 15_000, 'exit after SIGTERM'), 0, first.stderr());
    assert.ok(existsSync(db));

    const second = await serve(['--db', `sqlite:${db}`, '--log-level', 'silent']);
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
    second.child.kill('SIGINT');
    assert.equal(await within(second.exited, 15_000, 'exit after SIGINT'), 0, second.stderr());
  });

  test('an unsupported store is refused before anything listens (exit 2)', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--db', 'postgres://u:secret@localhost/hub'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await within(
      new Promise<number | null>((resolve) => child.on('exit', resolve)),
      30_000,
      'the refusal',
    );
    assert.equal(code, 2);
    assert.match(stderr, /'postgres:\/\/' stores are not supported yet/);
    assert.doesNotMatch(stderr, /secret/);
  });
});
