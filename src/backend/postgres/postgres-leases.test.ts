import assert from 'node:assert/strict';
import { after, beforeEach, describe, test } from 'node:test';
import type { HistoryEvent } from '../../proto/orchestrator_service_pb.js';
import { eventOf, taskScheduledEvent } from '../../runtime/history-events.js';
import { OrchestrationStatus } from '../../api/status.js';
import {
  completingTurn,
  executionIdOf,
  raisedEvent,
  startEvent,
  turnResult,
} from '../testing/turn-builders.js';
import { PostgresBackend } from './postgres-backend.js';
import {
  adminClient,
  dropSchema,
  requirePostgres,
  TEST_DATABASE_URL,
  testSchemaName,
  truncateSchema,
} from './testing/test-database.js';
import { leaseOrchestration } from '../testing/lease-one.js';

const LEASE = { lockDurationMs: 60_000 };

if (await requirePostgres()) {
  const schema = testSchemaName('_ls');
  const admin = await adminClient();
  const backends: PostgresBackend[] = [];
  const open = async (): Promise<PostgresBackend> => {
    const backend = new PostgresBackend({ connectionString: TEST_DATABASE_URL, schema, poolSize: 4 });
    backends.push(backend);
    await backend.start();
    return backend;
  };
  const backend = await open();
  after(async () => {
    await Promise.all(backends.map((b) => b.stop()));
    await admin.end();
    await dropSchema(schema);
  });
  beforeEach(() => truncateSchema(admin, schema));

  const raisedNames = (events: readonly HistoryEvent[]): (string | undefined)[] =>
    events.map((event) => eventOf(event, 'eventRaised')?.name ?? event.eventType.case);

  describe('postgres batch leases', () => {
    test('turns come oldest first, each instance once, each with its own token and events', async () => {
      for (const id of ['first', 'second', 'third'])
        await backend.createInstance(startEvent(id, await backend.now()));
      await backend.addEvent('first', raisedEvent('later', await backend.now()));

      const batch = await backend.leaseOrchestrationWorkItems(LEASE, 2);
      assert.deepEqual(
        batch.map((item) => item.instanceId),
        ['first', 'second'],
      );
      assert.deepEqual(raisedNames(batch[0]?.newEvents ?? []), ['executionStarted', 'later']);
      assert.equal(batch[0]?.inboxIds.length, 2);
      assert.notEqual(batch[0]?.lockToken, batch[1]?.lockToken);

      // The rest is still leasable; the leased ones are not.
      const rest = await backend.leaseOrchestrationWorkItems(LEASE, 5);
      assert.deepEqual(
        rest.map((item) => item.instanceId),
        ['third'],
      );
      assert.deepEqual(await backend.leaseOrchestrationWorkItems(LEASE, 5), []);

      // Each token commits its own instance only.
      const [first, second] = batch;
      assert.ok(first && second);
      await backend.commitOrchestrationTurn(first, turnResult('first', await backend.now()));
      await assert.rejects(
        backend.commitOrchestrationTurn({ ...second, lockToken: first.lockToken }, turnResult('second', 0)),
        { code: 'LOCK_LOST' },
      );
      await backend.commitOrchestrationTurn(second, turnResult('second', await backend.now()));
    });

    test('a long run of one instance’s events does not hide the next instance', async () => {
      await backend.createInstance(startEvent('busy', await backend.now()));
      for (let i = 0; i < 12; i++) await backend.addEvent('busy', raisedEvent(`e${i}`, await backend.now()));
      await backend.createInstance(startEvent('quiet', await backend.now()));

      const batch = await backend.leaseOrchestrationWorkItems({ ...LEASE, maxEvents: 3 }, 2);
      assert.deepEqual(
        batch.map((item) => item.instanceId),
        ['busy', 'quiet'],
      );
      assert.deepEqual(raisedNames(batch[0]?.newEvents ?? []), ['executionStarted', 'e0', 'e1']);
    });

    test('concurrent batch leases from two backends never hand out one instance twice', async () => {
      const other = await open();
      const count = 40;
      for (let i = 0; i < count; i++)
        await backend.createInstance(startEvent(`inst-${i}`, await backend.now()));
      const got: string[] = [];
      const leaser = async (b: PostgresBackend): Promise<void> => {
        for (;;) {
          const batch = await b.leaseOrchestrationWorkItems(LEASE, 3);
          if (batch.length === 0) return;
          got.push(...batch.map((item) => item.instanceId));
        }
      };
      await Promise.all([backend, other, backend, other].map(leaser));
      // SKIP LOCKED may let a leaser stop while others held rows: drain what is left.
      await leaser(backend);
      assert.equal(got.length, count);
      assert.equal(new Set(got).size, count);
    });

    test('tasks come oldest first with their own tokens; a completion needs its own', async () => {
      await backend.createInstance(startEvent('parent', await backend.now()));
      const [turn] = await backend.leaseOrchestrationWorkItems(LEASE, 1);
      assert.ok(turn);
      const at = await backend.now();
      const activities = [1, 2, 3].map((taskId) => ({
        instanceId: 'parent',
        executionId: executionIdOf('parent'),
        taskId,
        event: taskScheduledEvent(taskId, { name: 'Work' }, at),
      }));
      await backend.commitOrchestrationTurn(turn, turnResult('parent', at, { activities }));

      const tasks = await backend.leaseActivityWorkItems(LEASE, 2);
      assert.deepEqual(
        tasks.map((task) => task.taskId),
        [1, 2],
      );
      assert.notEqual(tasks[0]?.lockToken, tasks[1]?.lockToken);
      assert.deepEqual(
        (await backend.leaseActivityWorkItems(LEASE, 5)).map((task) => task.taskId),
        [3],
      );
      const [one, two] = tasks;
      assert.ok(one && two);
      await assert.rejects(
        backend.completeActivityWorkItem({ ...two, lockToken: one.lockToken }, raisedEvent('x', at)),
        { code: 'LOCK_LOST' },
      );
    });
  });

  describe('postgres history versions', () => {
    test('a lease names the history left by the last commit; a replaced instance has none', async () => {
      await backend.createInstance(startEvent('h', await backend.now()));
      const [first] = await backend.leaseOrchestrationWorkItems(LEASE, 1);
      assert.ok(first);
      assert.equal(first.historyVersion, undefined, 'a new instance: not known');
      assert.equal(first.nextHistoryVersion, first.lockToken);
      await backend.commitOrchestrationTurn(first, turnResult('h', await backend.now()));

      await backend.addEvent('h', raisedEvent('e', await backend.now()));
      const abandoned = await leaseOrchestration(backend, LEASE);
      assert.ok(abandoned);
      assert.equal(abandoned.historyVersion, first.nextHistoryVersion);
      await backend.abandonOrchestrationWorkItem(abandoned, 0);
      const second = await leaseOrchestration(backend, LEASE);
      assert.ok(second);
      assert.equal(second.historyVersion, first.nextHistoryVersion, 'an abandon changes no history');
      assert.notEqual(second.nextHistoryVersion, first.nextHistoryVersion);

      // A replaced history commits through the multi-statement transaction: versioned the same way.
      const at = await backend.now();
      await backend.commitOrchestrationTurn(
        second,
        turnResult('h', at, { historyReplaced: true, historyEvents: [startEvent('h', at)] }),
      );
      await backend.addEvent('h', raisedEvent('f', await backend.now()));
      const third = await leaseOrchestration(backend, LEASE);
      assert.ok(third);
      assert.equal(third.historyVersion, second.nextHistoryVersion);
      assert.equal((await backend.getHistory('h')).length, 1);
      await backend.commitOrchestrationTurn(third, completingTurn('h', await backend.now(), '"ok"'));

      await backend.createInstance(startEvent('h', await backend.now()), {
        replaceableStatuses: [OrchestrationStatus.COMPLETED],
      });
      const replaced = await leaseOrchestration(backend, LEASE);
      assert.equal(replaced?.instanceId, 'h');
      assert.equal(replaced?.historyVersion, undefined);
    });
  });
}
