import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { isDurableTaskError } from '../../api/errors.js';
import { OrchestrationStatus } from '../../api/status.js';
import { FakeClock } from '../../loop/testing/fake-clock.js';
import { raisedEvent, startEvent } from '../testing/turn-builders.js';
import { SCHEMA_VERSION } from './schema.js';
import { SqliteBackend } from './sqlite-backend.js';
import { leaseOrchestration } from '../testing/lease-one.js';

/** What only the SQLite backend promises: files, schema versions, group commit, shared files. */

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'durabletask-sqlite-storage-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite storage', () => {
  test('data survives a restart on the same file, and start/stop are idempotent', async () => {
    const path = join(dir, 'restart.db');
    const first = new SqliteBackend({ path });
    await first.start();
    await first.start();
    await first.createInstance(startEvent('kept', Date.now(), { input: '"x"' }));
    await first.stop();
    await first.stop();

    const second = new SqliteBackend({ path });
    await second.start();
    try {
      const state = await second.getInstance('kept', true);
      assert.equal(state?.status, OrchestrationStatus.PENDING);
      assert.equal(state?.input, '"x"');
      const item = await leaseOrchestration(second, { lockDurationMs: 60_000 });
      assert.equal(item?.instanceId, 'kept');
    } finally {
      await second.stop();
    }
  });

  test('the database is in WAL mode with the schema version recorded', async () => {
    const path = join(dir, 'pragmas.db');
    const backend = new SqliteBackend({ path });
    await backend.start();
    await backend.stop();
    const db = new Database(path, { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  test('a database from a newer schema version is refused', async () => {
    const path = join(dir, 'future.db');
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    await assert.rejects(new SqliteBackend({ path }).start(), /newer than this engine supports/);
  });

  test('methods called before start are rejected', async () => {
    const backend = new SqliteBackend({ path: ':memory:' });
    await assert.rejects(backend.getInstance('x', false), /not started/);
    await assert.rejects(backend.createInstance(startEvent('x', 0)), /not started/);
  });

  test('two backends on one file never lease the same instance', async () => {
    const path = join(dir, 'shared.db');
    const a = new SqliteBackend({ path });
    const b = new SqliteBackend({ path });
    await a.start();
    await b.start();
    try {
      for (let i = 0; i < 20; i++) await a.createInstance(startEvent(`s${i}`, Date.now()));
      const leased: string[] = [];
      for (;;) {
        const [x, y] = await Promise.all([
          leaseOrchestration(a, { lockDurationMs: 60_000 }),
          leaseOrchestration(b, { lockDurationMs: 60_000 }),
        ]);
        if (!x && !y) break;
        if (x) leased.push(x.instanceId);
        if (y) leased.push(y.instanceId);
      }
      assert.equal(leased.length, 20);
      assert.equal(new Set(leased).size, 20);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

describe('SQLite group commit', () => {
  /** A backend whose batches flush only when the test says so. */
  async function manualBackend() {
    const flushes: (() => void)[] = [];
    const clock = new FakeClock();
    const backend = new SqliteBackend({
      path: ':memory:',
      clock,
      scheduleFlush: (flush) => flushes.push(flush),
    });
    await backend.start();
    return { backend, flushes };
  }

  test('writes of one turn commit together; a failing one does not affect the others', async () => {
    const { backend, flushes } = await manualBackend();
    try {
      const results = Promise.allSettled([
        backend.createInstance(startEvent('a', 0)),
        backend.createInstance(startEvent('a', 0)),
        backend.addEvent('missing', raisedEvent('e', 0)),
        backend.createInstance(startEvent('b', 0)),
      ]);
      assert.equal(flushes.length, 1, 'one flush is scheduled for the whole batch');
      assert.equal(await backend.getInstance('a', false), undefined, 'nothing is visible before the commit');
      flushes[0]?.();
      const [first, duplicate, missing, other] = await results;
      assert.equal(first.status, 'fulfilled');
      assert.equal(other.status, 'fulfilled');
      assert.ok(
        duplicate.status === 'rejected' && isDurableTaskError(duplicate.reason, 'DUPLICATE_INSTANCE'),
      );
      assert.ok(missing.status === 'rejected' && isDurableTaskError(missing.reason, 'INSTANCE_NOT_FOUND'));
      assert.deepEqual((await backend.listInstanceIds({})).items, ['a', 'b']);
      const item = await settle(leaseOrchestration(backend, { lockDurationMs: 60_000 }), flushes);
      assert.equal(item?.newEvents.length, 1, 'the duplicate left no second start event behind');
    } finally {
      await backend.stop();
    }
  });

  test('a lease runs at once in its own transaction and sees only committed writes', async () => {
    const { backend, flushes } = await manualBackend();
    try {
      const created = backend.createInstance(startEvent('c', 0));
      const early = await leaseOrchestration(backend, { lockDurationMs: 60_000 });
      assert.equal(early, undefined, 'the start event is not committed yet');
      flushes[0]?.();
      await created;
      const item = await leaseOrchestration(backend, { lockDurationMs: 60_000 });
      assert.equal(item?.instanceId, 'c');
      assert.equal(flushes.length, 1, 'no lease waited for a batch');
      assert.ok(item);
      const renewed = await backend.renewOrchestrationLease(item, 120_000);
      assert.ok(renewed > item.lockedUntil);
      assert.equal(flushes.length, 1, 'nor did the renewal');
    } finally {
      await backend.stop();
    }
  });

  test('stop commits and answers the writes still queued', async () => {
    const { backend, flushes } = await manualBackend();
    const pending = backend.createInstance(startEvent('late', 0));
    assert.equal(flushes.length, 1);
    await backend.stop();
    await pending;
    flushes[0]?.(); // The scheduled flush finds nothing left to do.
  });
});

/** Flushes the pending batch of a manual backend and returns the result of `write`. */
async function settle<T>(write: Promise<T>, flushes: (() => void)[]): Promise<T> {
  flushes.at(-1)?.();
  return write;
}
