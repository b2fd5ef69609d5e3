import type { LogSink } from '../../logging/logger.js';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { BackendNotification } from '../backend.js';
import type { HistoryEvent } from '../../proto/orchestrator_service_pb.js';
import { eventOf, taskScheduledEvent } from '../../runtime/history-events.js';
import { executionIdOf, raisedEvent, startEvent, turnResult } from '../testing/turn-builders.js';
import type { PostgresBackendOptions } from './options.js';
import { PostgresBackend } from './postgres-backend.js';
import { quoteIdentifier } from './sql/compile.js';
import {
  adminClient,
  dropSchema,
  requirePostgres,
  TEST_DATABASE_URL,
  testSchemaName,
  truncateSchema,
} from './testing/test-database.js';
import { leaseActivity, leaseOrchestration } from '../testing/lease-one.js';

/** Bound on waits for something that should happen soon; only reached when it does not. */
const WAIT_MS = 5000;

async function eventually(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function recordingLogger(): LogSink & { warnings: { obj: object; msg: string | undefined }[] } {
  const warnings: { obj: object; msg: string | undefined }[] = [];
  return {
    debug() {},
    info() {},
    error() {},
    warn: (obj, msg) => void warnings.push({ obj, msg }),
    warnings,
  };
}

/** Terminates the connections of one application name; returns how many it ended. */
async function terminate(admin: pg.Client, applicationName: string, where = ''): Promise<number> {
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid() ${where}`,
    [applicationName],
  );
  for (const { pid } of rows) await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  return rows.length;
}

if (await requirePostgres()) {
  const schema = testSchemaName('_so');
  const extraSchemas: string[] = [];
  const admin = await adminClient();
  const backends: PostgresBackend[] = [];
  // Creates the shared schema up front, so any test may run alone.
  const bootstrap = new PostgresBackend({ connectionString: TEST_DATABASE_URL, schema });
  await bootstrap.start();
  await bootstrap.stop();
  after(async () => {
    await Promise.all(backends.map((b) => b.stop()));
    await admin.end();
    for (const name of [schema, ...extraSchemas]) await dropSchema(name);
  });

  const open = async (options: Partial<PostgresBackendOptions> = {}): Promise<PostgresBackend> => {
    const backend = new PostgresBackend({
      connectionString: TEST_DATABASE_URL,
      schema,
      poolSize: 5,
      ...options,
    });
    backends.push(backend);
    await backend.start();
    return backend;
  };
  /** Two started backends on an emptied shared schema, as two processes would have. */
  const pair = async (): Promise<[PostgresBackend, PostgresBackend]> => {
    const a = await open();
    const b = await open();
    await truncateSchema(admin, schema);
    return [a, b];
  };
  const uniqueApp = (label: string): string => `dt-${label}-${randomBytes(3).toString('hex')}`;

  describe('postgres migrations', () => {
    test('starting concurrently applies each migration once; later starts apply nothing', async () => {
      const fresh = testSchemaName('_mig');
      extraSchemas.push(fresh);
      const [a, b] = await Promise.all([open({ schema: fresh }), open({ schema: fresh })]);
      const applied = [a.lastMigration?.applied, b.lastMigration?.applied].map((v) => v?.join(','));
      assert.deepEqual(applied.sort(), ['', '1,2']);
      const c = await open({ schema: fresh });
      assert.deepEqual(c.lastMigration?.applied, []);
      await c.start();
      await Promise.all([c.stop(), c.stop()]);
      const { rows } = await admin.query(
        `SELECT version, name FROM ${quoteIdentifier(fresh)}.schema_migrations`,
      );
      assert.deepEqual(rows, [
        { version: 1, name: 'init' },
        { version: 2, name: 'history version' },
      ]);
      // Both backends work on the one schema.
      await a.createInstance(startEvent('m1', await a.now()));
      assert.equal((await b.getInstance('m1', false))?.instanceId, 'm1');
    });

    test('a schema written by a newer version is refused', async () => {
      const fresh = testSchemaName('_new');
      extraSchemas.push(fresh);
      const first = await open({ schema: fresh });
      await first.stop();
      await admin.query(
        `INSERT INTO ${quoteIdentifier(fresh)}.schema_migrations (version, name) VALUES (999, 'future')`,
      );
      const newer = new PostgresBackend({ connectionString: TEST_DATABASE_URL, schema: fresh });
      await assert.rejects(newer.start(), /migrations this engine does not know \(999\)/);
      await newer.stop();
    });

    test('task hubs in different schemas do not see each other', async () => {
      const other = testSchemaName('_hub');
      extraSchemas.push(other);
      const [a] = await pair();
      const b = await open({ schema: other });
      const seenByA: BackendNotification[] = [];
      const unsubscribe = a.subscribe((n) => seenByA.push(n));
      await b.createInstance(startEvent('same-id', await b.now(), { input: '"b"' }));
      await a.createInstance(startEvent('same-id', await a.now(), { input: '"a"' }));
      assert.equal((await a.getInstance('same-id', true))?.input, '"a"');
      assert.equal((await b.getInstance('same-id', true))?.input, '"b"');
      const leased = await leaseOrchestration(b, { lockDurationMs: 60_000 });
      assert.equal(leased?.instanceId, 'same-id');
      assert.equal(await leaseOrchestration(b, { lockDurationMs: 60_000 }), undefined);
      assert.ok(await leaseOrchestration(a, { lockDurationMs: 60_000 }));
      await b.createInstance(startEvent('only-in-b', await b.now()));
      await sleep(200);
      unsubscribe();
      assert.deepEqual(
        seenByA.filter((n) => n.kind === 'instance-updated').map((n) => n.instanceId),
        ['same-id'],
      );
    });
  });

  describe('postgres leasing across backends', () => {
    test('concurrent leases from two backends never hand out the same instance or task', async () => {
      const [a, b] = await pair();
      const count = 60;
      for (let i = 0; i < count; i++) await a.createInstance(startEvent(`inst-${i}`, await a.now()));

      const leaseAll = async <T>(
        lease: (backend: PostgresBackend) => Promise<T | undefined>,
      ): Promise<T[]> => {
        const got: T[] = [];
        const worker = async (backend: PostgresBackend): Promise<void> => {
          for (let item = await lease(backend); item; item = await lease(backend)) got.push(item);
        };
        // Five concurrent leasers per backend, as five worker slots each.
        await Promise.all([a, b].flatMap((backend) => Array.from({ length: 5 }, () => worker(backend))));
        // SKIP LOCKED may let a leaser stop while others held rows: drain what is left.
        await worker(a);
        return got;
      };

      const items = await leaseAll((backend) => leaseOrchestration(backend, { lockDurationMs: 60_000 }));
      const ids = items.map((item) => item.instanceId);
      assert.equal(ids.length, count);
      assert.equal(new Set(ids).size, count);

      // Each turn schedules two activities; the tasks are leased concurrently the same way.
      for (const item of items) {
        const at = await a.now();
        const activities = [1, 2].map((taskId) => ({
          instanceId: item.instanceId,
          executionId: executionIdOf(item.instanceId),
          taskId,
          event: taskScheduledEvent(taskId, { name: 'Work' }, at),
        }));
        await (ids.indexOf(item.instanceId) % 2 ? a : b).commitOrchestrationTurn(
          item,
          turnResult(item.instanceId, at, { activities }),
        );
      }
      const tasks = await leaseAll((backend) => leaseActivity(backend, { lockDurationMs: 60_000 }));
      const taskKeys = tasks.map((task) => `${task.instanceId}#${task.taskId}`);
      assert.equal(taskKeys.length, count * 2);
      assert.equal(new Set(taskKeys).size, count * 2);
    });

    test('a lease expires by the database clock and another backend takes the work over', async () => {
      const [a, b] = await pair();
      await a.createInstance(startEvent('takeover', await a.now()));
      const stale = await leaseOrchestration(a, { lockDurationMs: 300 });
      assert.ok(stale);
      assert.equal(await leaseOrchestration(b, { lockDurationMs: 60_000 }), undefined);
      const dbNow = await b.now();
      assert.ok(Math.abs(dbNow - Date.now()) < 60_000, 'now() reads the database clock');
      await sleep(350);
      const fresh = await leaseOrchestration(b, { lockDurationMs: 60_000 });
      assert.equal(fresh?.instanceId, 'takeover');
      assert.equal(fresh?.attempt, 1);
      await assert.rejects(a.commitOrchestrationTurn(stale, turnResult('takeover', dbNow)), {
        code: 'LOCK_LOST',
      });
    });
  });

  describe('postgres notifications across backends', () => {
    test("a write in backend A wakes backend B's subscribers, once each", async () => {
      const [a, b] = await pair();
      const seenByA: BackendNotification[] = [];
      const seenByB: BackendNotification[] = [];
      a.subscribe((n) => seenByA.push(n));
      b.subscribe((n) => seenByB.push(n));
      await a.createInstance(startEvent('cross', await a.now()));
      await eventually('B to hear of the new instance', () =>
        seenByB.some((n) => n.kind === 'instance-updated' && n.instanceId === 'cross'),
      );
      assert.ok(seenByB.some((n) => n.kind === 'orchestration-work'));

      const item = await leaseOrchestration(b, { lockDurationMs: 60_000 });
      assert.ok(item);
      const at = await b.now();
      await b.commitOrchestrationTurn(
        item,
        turnResult('cross', at, {
          activities: [
            {
              instanceId: 'cross',
              executionId: executionIdOf('cross'),
              taskId: 1,
              event: taskScheduledEvent(1, { name: 'A' }, at),
            },
          ],
        }),
      );
      await eventually('A to hear of activity work', () => seenByA.some((n) => n.kind === 'activity-work'));
      // Give any echo time to arrive: a backend announces its own write once, not again via LISTEN.
      await sleep(200);
      const updatesOfCross = (list: BackendNotification[]): number =>
        list.filter((n) => n.kind === 'instance-updated' && n.instanceId === 'cross').length;
      assert.equal(updatesOfCross(seenByA), 2);
      assert.equal(updatesOfCross(seenByB), 2);
    });

    test('the listener reconnects after its connection is killed and hears later writes', async () => {
      await truncateSchema(admin, schema);
      const app = uniqueApp('listen');
      const a = await open();
      const b = await open({ applicationName: app, listenerReconnectDelayMs: 20 });
      const seenByB: BackendNotification[] = [];
      b.subscribe((n) => seenByB.push(n));
      assert.equal(await terminate(admin, `${app}:listener`), 1);
      // Notifications may have been missed meanwhile, so the reconnect wakes every worker.
      await eventually('the reconnect wake-up', () => seenByB.some((n) => n.kind === 'activity-work'));
      await a.createInstance(startEvent('after-reconnect', await a.now()));
      await eventually('B to hear a write made after the reconnect', () =>
        seenByB.some((n) => n.kind === 'instance-updated' && n.instanceId === 'after-reconnect'),
      );
    });
  });

  describe('postgres transient failures', () => {
    /**
     * Blocks the backend's next statement on a table lock, kills its connection while it waits,
     * then releases the lock: the operation must succeed on a new connection.
     */
    const killWhileWaiting = async <T>(
      label: string,
      run: (backend: PostgresBackend) => Promise<T>,
    ): Promise<T> => {
      const app = uniqueApp(label);
      const logger = recordingLogger();
      const backend = await open({ applicationName: app, poolSize: 1, logger });
      await admin.query('BEGIN');
      let result: Promise<T>;
      try {
        await admin.query(`LOCK TABLE ${quoteIdentifier(schema)}.instances IN ACCESS EXCLUSIVE MODE`);
        result = run(backend);
        result.catch(() => undefined);
        await eventually('the backend to wait on the lock', async () => {
          const { rows } = await admin.query(
            `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
            [app],
          );
          return rows.length > 0;
        });
        assert.equal(await terminate(admin, app, `AND wait_event_type = 'Lock'`), 1);
      } finally {
        await admin.query('ROLLBACK');
      }
      const value = await result;
      assert.ok(
        logger.warnings.some((w) => (w.msg ?? '').startsWith('Retrying')),
        `expected a retry, got ${JSON.stringify(logger.warnings.map((w) => w.msg))}`,
      );
      return value;
    };

    test('a read whose connection is terminated is retried on a new connection', async () => {
      await truncateSchema(admin, schema);
      const setup = await open();
      await setup.createInstance(startEvent('survivor', await setup.now(), { input: '"kept"' }));
      const state = await killWhileWaiting('read', (backend) => backend.getInstance('survivor', true));
      assert.equal(state?.input, '"kept"');
    });

    test('a write transaction whose connection is terminated is retried as a whole', async () => {
      await truncateSchema(admin, schema);
      const setup = await open();
      await killWhileWaiting('write', async (backend) => {
        await backend.createInstance(startEvent('written', await backend.now()));
      });
      const item = await leaseOrchestration(setup, { lockDurationMs: 60_000 });
      assert.equal(item?.instanceId, 'written');
      assert.equal(item?.newEvents.length, 1);
    });
  });

  describe('postgres event order', () => {
    const raisedNames = (events: readonly HistoryEvent[]): (string | undefined)[] =>
      events.map((event) => eventOf(event, 'eventRaised')?.name);

    test('requeued events keep their place ahead of events that arrived during the turn', async () => {
      const [a] = await pair();
      await a.createInstance(startEvent('carry', await a.now()));
      await a.addEvent('carry', raisedEvent('carried-1', await a.now()));
      await a.addEvent('carry', raisedEvent('carried-2', await a.now()));
      const item = await leaseOrchestration(a, { lockDurationMs: 60_000 });
      assert.ok(item);
      await a.addEvent('carry', raisedEvent('arrived-during-turn', await a.now()));
      await a.commitOrchestrationTurn(
        item,
        turnResult('carry', await a.now(), { historyReplaced: true, requeue: item.newEvents.slice(1) }),
      );
      const next = await leaseOrchestration(a, { lockDurationMs: 60_000 });
      assert.deepEqual(raisedNames(next?.newEvents ?? []), ['carried-1', 'carried-2', 'arrived-during-turn']);
    });

    test('concurrent addEvent calls to one instance land in call order', async () => {
      const [a] = await pair();
      await a.createInstance(startEvent('ordered', await a.now()));
      const names = Array.from({ length: 12 }, (_, i) => `e${i}`);
      const at = await a.now();
      await Promise.all(names.map((name) => a.addEvent('ordered', raisedEvent(name, at))));
      const item = await leaseOrchestration(a, { lockDurationMs: 60_000 });
      assert.deepEqual(raisedNames(item?.newEvents.slice(1) ?? []), names);
    });
  });

  describe('postgres lifecycle', () => {
    test('stop is idempotent, ends every connection, and later calls fail clearly', async () => {
      const app = uniqueApp('stop');
      const backend = new PostgresBackend({
        connectionString: TEST_DATABASE_URL,
        schema,
        applicationName: app,
      });
      await backend.stop();
      await Promise.all([backend.start(), backend.start()]);
      await backend.now();
      const count = async (): Promise<number> =>
        (
          await admin.query<{ n: string }>(
            `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE $1`,
            [`${app}%`],
          )
        ).rows.map((r) => Number(r.n))[0] ?? -1;
      assert.ok((await count()) >= 2, 'a pooled connection and the listener');
      await Promise.all([backend.stop(), backend.stop()]);
      await backend.stop();
      await eventually('every connection to close', async () => (await count()) === 0);
      await assert.rejects(backend.getInstance('x', false), /not started/);
    });
  });
}
