// `durabletask schedule …` as a user runs it: the real binary against the store of a running
// sidecar (which runs the schedules), and its answers to bad input.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NoOpLogger, TaskHubGrpcWorker, type OrchestrationContext } from '@microsoft/durabletask-js';
import { main } from '../../src/cli/main.js';
import { ScheduleClient, SqliteBackend, TaskHubClient, type ScheduleInfo } from '../../src/index.js';
import { waitForSchedule } from '../scenarios/schedule-helpers.js';
import { runCli, serveProcess, stopProcess, type ServeProcess } from './serve-process.js';

const dir = mkdtempSync(join(tmpdir(), 'durabletask-schedule-cli-'));
const db = join(dir, 'hub.db');
let served: ServeProcess;
let worker: TaskHubGrpcWorker;

// eslint-disable-next-line require-yield -- the SDK worker runs only async generators; this one ends at once
async function* Report(
  _ctx: OrchestrationContext,
  input: unknown,
): AsyncGenerator<unknown, unknown, unknown> {
  return input;
}

before(async () => {
  served = await serveProcess(['--db', db]);
  // The schedule's runs are ordinary orchestrations: an SDK worker on the sidecar runs them.
  worker = new TaskHubGrpcWorker({ hostAddress: served.address, logger: new NoOpLogger() });
  worker.addOrchestrator(Report);
  await worker.start();
});
after(async () => {
  await reader?.backend.stop();
  await worker.stop();
  await stopProcess(served);
  rmSync(dir, { recursive: true, force: true });
});

/** Reads schedules from the same file, in process (polling through the binary would be slow). */
let reader: { backend: SqliteBackend; schedules: ScheduleClient } | undefined;
async function schedulesOf(): Promise<ScheduleClient> {
  if (!reader) {
    const backend = new SqliteBackend({ path: db });
    await backend.start();
    reader = { backend, schedules: new ScheduleClient(new TaskHubClient({ backend, pollIntervalMs: 100 })) };
  }
  return reader.schedules;
}

async function waitForJson(
  id: string,
  accept: (info: ScheduleInfo) => boolean,
  what: string,
): Promise<ScheduleInfo> {
  return waitForSchedule(await schedulesOf(), id, accept, what);
}

/** Runs the command in this process, as the binary would, capturing its output. */
async function runInProcess(
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (line) => void (stdout += `${line}\n`),
    stderr: (line) => void (stderr += `${line}\n`),
    onShutdownSignal: () => () => undefined,
  });
  return { code, stdout, stderr };
}

describe('durabletask schedule', () => {
  test('create, list, get, pause, trigger, resume, update and delete', async () => {
    const create = await runCli([
      'schedule',
      'create',
      'every-second',
      '--db',
      db,
      '--orchestration',
      'Report',
      '--input',
      '{"region":"eu"}',
      '--every',
      '1s',
      '--overlap',
      'allow-all',
    ]);
    assert.equal(create.code, 0, create.stderr);
    assert.match(create.stdout, /created schedule every-second/);

    const ticking = await waitForJson('every-second', (s) => s.counts.started >= 2, 'two runs');
    assert.deepEqual(ticking.spec.input, { region: 'eu' });
    assert.equal(ticking.spec.intervalMs, 1000);

    const list = await runCli(['schedule', 'list', '--db', db]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^ID\s+STATE\s+WHEN/m);
    assert.match(list.stdout, /every-second\s+active\s+every 1000ms\s+Report\s+(in \d+m?s|\d+m?s ago)\s/);

    assert.equal((await runCli(['schedule', 'pause', 'every-second', '--db', db])).code, 0);
    const paused = await waitForJson('every-second', (s) => s.state === 'paused', 'paused');
    assert.equal((await runCli(['schedule', 'trigger', 'every-second', '--db', db])).code, 0);
    await waitForJson(
      'every-second',
      (s) => s.counts.started === paused.counts.started + 1,
      'the triggered run',
    );
    const update = await runCli(['schedule', 'update', 'every-second', '--db', db, '--every', '2s']);
    assert.equal(update.code, 0, update.stderr);
    assert.equal((await runCli(['schedule', 'resume', 'every-second', '--db', db])).code, 0);
    const updated = await waitForJson(
      'every-second',
      (s) => s.state === 'active' && s.spec.intervalMs === 2000,
      'active with the new interval',
    );
    assert.deepEqual(updated.spec.input, { region: 'eu' }, 'update keeps what it does not change');

    const text = await runCli(['schedule', 'get', 'every-second', '--db', db]);
    assert.match(text.stdout, /^state:\s+active$/m);
    assert.match(text.stdout, /^runs:\s+\d+ started, 0 skipped, 0 missed$/m);

    const del = await runCli(['schedule', 'delete', 'every-second', '--db', db]);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, /deleted schedule every-second/);
    const gone = await runCli(['schedule', 'get', 'every-second', '--db', db]);
    assert.equal(gone.code, 3, 'not found has its own exit code');
    assert.match(gone.stderr, /no schedule with id 'every-second'/);
  });

  test('bad input is a usage error (exit 2) that names the problem, and changes nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['schedule', 'create', 'x', '--orchestration', 'A', '--cron', '61 * * * *'], /Bad cron expression/],
      [
        [
          'schedule',
          'create',
          'x',
          '--orchestration',
          'A',
          '--cron',
          '* * * * *',
          '--time-zone',
          'Mars/Olympus',
        ],
        /Unknown time zone 'Mars\/Olympus'/,
      ],
      [['schedule', 'create', 'x', '--orchestration', 'A', '--every', '5x'], /--every must be a duration/],
      [['schedule', 'create', 'x', '--every', '5m'], /--orchestration is required/],
      [
        ['schedule', 'create', 'x', '--orchestration', 'A', '--every', '5m', '--start', 'tomorrow'],
        /--start must be an ISO 8601 time/,
      ],
      [
        ['schedule', 'create', 'x', '--orchestration', 'A', '--every', '5m', '--overlap', 'queue'],
        /--overlap must be one of/,
      ],
      [
        ['schedule', 'create', 'x', '--orchestration', 'A', '--every', '5m', '--input', '{bad'],
        /--input must be JSON/,
      ],
      [['schedule', 'create', 'bad id!', '--orchestration', 'A', '--every', '5m'], /schedule id/],
      [['schedule', 'frobnicate', 'x'], /unknown schedule verb 'frobnicate'/],
      [['schedule', 'get'], /needs a schedule id/],
      [['schedule', 'pause', 'x', '--every', '5m'], /--every applies only to/],
      [['schedule', 'list', '--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const result = await runInProcess([...args, '--db', db]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
    }
    // The binary itself answers a usage error the same way.
    const binary = await runCli(['schedule', 'frobnicate', '--db', db]);
    assert.equal(binary.code, 2);
    assert.match(binary.stderr, /unknown schedule verb 'frobnicate'[\s\S]*durabletask schedule --help/);
    const list = await runInProcess(['schedule', 'list', '--db', db, '--output', 'json']);
    const ids = (JSON.parse(list.stdout) as ScheduleInfo[]).map((s) => s.id);
    assert.ok(!ids.includes('x'), 'nothing was created');
    const missing = await runInProcess(['schedule', 'pause', 'nope', '--db', db]);
    assert.equal(missing.code, 3);
  });
});
