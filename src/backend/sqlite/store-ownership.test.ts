import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { taskScheduledEvent } from '../../runtime/history-events.js';
import { raisedEvent, startEvent, turnResult } from '../testing/turn-builders.js';
import { SqliteBackend } from './sqlite-backend.js';
import { StoreOwnership } from './store-ownership.js';
import { leaseOrchestration } from '../testing/lease-one.js';

/** Long leases: anything leasable again below was taken back, not expired. */
const LEASE = { lockDurationMs: 600_000 };

function storePath(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'dt-ownership-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'hub.db');
}

async function opened(t: TestContext, path: string): Promise<SqliteBackend> {
  const backend = new SqliteBackend({ path });
  await backend.start();
  t.after(() => backend.stop());
  return backend;
}

/** One instance leased mid-turn ('turn') and one activity leased ('act', task 1). */
async function leaseWork(backend: SqliteBackend): Promise<void> {
  const now = Date.now();
  await backend.createInstance(startEvent('act', now));
  const turn = await leaseOrchestration(backend, LEASE);
  assert.equal(turn?.instanceId, 'act');
  const activities = [
    {
      instanceId: 'act',
      executionId: 'act:exec-1',
      taskId: 1,
      event: taskScheduledEvent(1, { name: 'a' }, now),
    },
  ];
  await backend.commitOrchestrationTurn(turn, turnResult('act', now, { activities }));
  assert.equal((await backend.leaseActivityWorkItems(LEASE, 10)).length, 1);
  await backend.createInstance(startEvent('turn', now));
  assert.equal((await leaseOrchestration(backend, LEASE))?.instanceId, 'turn');
}

describe('SQLite store ownership', () => {
  test("the only holder after a crash takes the dead holder's leases back at start", async (t) => {
    const path = storePath(t);
    const crashed = new SqliteBackend({ path });
    await crashed.start();
    await leaseWork(crashed);
    // stop() releases no lease: to the store this is the same as a process that died.
    await crashed.stop();

    const restarted = await opened(t, path);
    const turn = await leaseOrchestration(restarted, LEASE);
    assert.equal(turn?.instanceId, 'turn');
    assert.equal(turn.attempt, 1, 'the crashed lease counts as an attempt');
    const [task] = await restarted.leaseActivityWorkItems(LEASE, 10);
    assert.equal(task?.taskId, 1);
    assert.equal(task.attempt, 1);
    await restarted.completeActivityWorkItem(task, raisedEvent('done', Date.now()));
  });

  test('while another holder has the store open, its leases are left alone', async (t) => {
    const path = storePath(t);
    const live = await opened(t, path);
    await leaseWork(live);

    const second = await opened(t, path);
    assert.equal(await leaseOrchestration(second, LEASE), undefined);
    assert.deepEqual(await second.leaseActivityWorkItems(LEASE, 10), []);
  });

  test("a dead holder's leases wait for their expiry while a live holder shares the file", async (t) => {
    const path = storePath(t);
    const live = await opened(t, path);
    const crashed = new SqliteBackend({ path });
    await crashed.start();
    await leaseWork(crashed);
    await crashed.stop();

    const restarted = await opened(t, path);
    assert.equal(await leaseOrchestration(restarted, LEASE), undefined);
    assert.equal(await leaseOrchestration(live, LEASE), undefined);
  });

  test('the lock file sits beside the store; in-memory stores have none', async (t) => {
    const path = storePath(t);
    await opened(t, path);
    assert.ok(existsSync(`${path}-lock`));
    assert.equal(StoreOwnership.lockPathOf(':memory:'), undefined);
  });
});
