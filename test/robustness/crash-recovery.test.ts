// Recovery speed after a SIGKILL, with real engine processes:
// - SQLite (one process owns the file): the restarted process takes the dead one's leases back at
//   start, so in-flight work does not wait for their expiry;
// - PostgreSQL (two processes): the survivor takes over once the dead process's leases expire,
//   which with the default lease is seconds.
// The figures (kill/restart -> re-dispatch -> all done) go to the test's diagnostics.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  dropSchema,
  requirePostgres,
  testSchemaName,
  TEST_DATABASE_URL,
} from '../../src/backend/postgres/testing/test-database.js';
import { RecoveryProcess } from './recovery-processes.js';

const INSTANCES = Array.from({ length: 6 }, (_, i) => `recover-${i}`);
/** The killed process's activities would run far longer than any test: only a takeover ends them. */
const HELD_ACTIVITY_MS = 600_000;
const RESUMED_ACTIVITY_MS = 100;
/** Generous bounds for a loaded machine (not timing assertions). */
const READY_MS = 60_000;
const RECOVERED_MS = 60_000;

const processes: RecoveryProcess[] = [];
function spawnProcess(config: ConstructorParameters<typeof RecoveryProcess>[0]): RecoveryProcess {
  const child = new RecoveryProcess(config);
  processes.push(child);
  return child;
}
after(async () => {
  await Promise.all(processes.map((p) => p.kill()));
});

function assertAllCompleted(survivor: RecoveryProcess): void {
  const outputs = new Map(survivor.of('completed').map((r) => [r.instanceId, r.output]));
  for (const id of INSTANCES) assert.equal(outputs.get(id), JSON.stringify(`${id}!`), id);
}

describe('recovery after a SIGKILL', () => {
  test('SQLite: a restarted process resumes every in-flight instance at once', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'dt-recovery-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'hub.db');
    // A lease far longer than the test: if it were waited out, the test would time out.
    const first = spawnProcess({
      store: 'sqlite',
      path,
      activityMs: HELD_ACTIVITY_MS,
      lockDurationMs: 600_000,
      start: INSTANCES,
    });
    await first.until(
      () => first.of('activity').length === INSTANCES.length,
      'every activity running',
      READY_MS,
    );
    await first.kill();

    const restartedAt = Date.now();
    const second = spawnProcess({ store: 'sqlite', path, activityMs: RESUMED_ACTIVITY_MS, await: INSTANCES });
    await second.until(
      () => second.of('completed').length === INSTANCES.length,
      'every instance completed',
      RECOVERED_MS,
    );
    assertAllCompleted(second);
    const ready = second.of('ready')[0]!.at;
    const firstRun = Math.min(...second.of('activity').map((r) => r.at));
    const lastDone = Math.max(...second.of('completed').map((r) => r.at));
    t.diagnostic(
      `SQLite restart -> ready ${ready - restartedAt} ms, -> first re-dispatch ${firstRun - restartedAt} ms, ` +
        `-> all ${INSTANCES.length} done ${lastDone - restartedAt} ms`,
    );
    await second.stop();
  });

  test('PostgreSQL: the work of a killed process resumes on the other one (default lease)', async (t) => {
    if (!(await requirePostgres())) return;
    const schema = testSchemaName('_recovery');
    t.after(() => dropSchema(schema));
    const pgConfig = { store: 'postgres' as const, connectionString: TEST_DATABASE_URL, schema };
    const doomed = spawnProcess({ ...pgConfig, activityMs: HELD_ACTIVITY_MS, start: INSTANCES });
    await doomed.until(
      () => doomed.of('activity').length === INSTANCES.length,
      'every activity running on the first process',
      READY_MS,
    );
    const survivor = spawnProcess({ ...pgConfig, activityMs: RESUMED_ACTIVITY_MS, await: INSTANCES });
    await survivor.until(() => survivor.of('ready').length === 1, 'the second process ready', READY_MS);
    assert.equal(survivor.of('activity').length, 0, 'the first process holds all the work');

    const killedAt = Date.now();
    await doomed.kill();
    await survivor.until(
      () => survivor.of('completed').length === INSTANCES.length,
      'every instance completed on the survivor',
      RECOVERED_MS,
    );
    assertAllCompleted(survivor);
    const firstRun = Math.min(...survivor.of('activity').map((r) => r.at));
    const lastDone = Math.max(...survivor.of('completed').map((r) => r.at));
    t.diagnostic(
      `PostgreSQL kill -> first re-dispatch ${firstRun - killedAt} ms, ` +
        `-> all ${INSTANCES.length} done ${lastDone - killedAt} ms`,
    );
    await survivor.stop();
  });
});
