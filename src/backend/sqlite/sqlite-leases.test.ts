import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { FakeClock } from '../../loop/testing/fake-clock.js';
import { OrchestrationStatus } from '../../api/status.js';
import { taskScheduledEvent } from '../../runtime/history-events.js';
import { completingTurn, raisedEvent, startEvent, turnResult } from '../testing/turn-builders.js';
import { SqliteBackend } from './sqlite-backend.js';
import { leaseOrchestration } from '../testing/lease-one.js';

/** Leases as the SQLite backend implements them: batches, attempts, the instance lock. */

const LEASE = { lockDurationMs: 30_000 };

async function open(t: TestContext) {
  const clock = new FakeClock();
  const backend = new SqliteBackend({ path: ':memory:', clock });
  await backend.start();
  t.after(() => backend.stop());
  return { backend, clock };
}

describe('SQLite batch leases', () => {
  test('leases up to max instances in one call, each once, with its own token and events', async (t) => {
    const { backend, clock } = await open(t);
    for (const id of ['a', 'b', 'c', 'd', 'e']) await backend.createInstance(startEvent(id, clock.now()));

    const first = await backend.leaseOrchestrationWorkItems(LEASE, 3);
    assert.deepEqual(
      first.map((item) => item.instanceId),
      ['a', 'b', 'c'],
    );
    assert.equal(new Set(first.map((item) => item.lockToken)).size, 3);
    for (const item of first) {
      assert.equal(item.newEvents.length, 1);
      assert.equal(item.newEvents[0]?.eventType.case, 'executionStarted');
      assert.equal(item.attempt, 0);
    }
    const rest = await backend.leaseOrchestrationWorkItems(LEASE, 10);
    assert.deepEqual(
      rest.map((item) => item.instanceId),
      ['d', 'e'],
    );
    assert.deepEqual(await backend.leaseOrchestrationWorkItems(LEASE, 10), []);
    assert.deepEqual(await backend.leaseOrchestrationWorkItems(LEASE, 0), []);
  });

  test('leases up to max activity tasks in one call, in queue order, each completable', async (t) => {
    const { backend, clock } = await open(t);
    await backend.createInstance(startEvent('p', clock.now()));
    const turn = await leaseOrchestration(backend, LEASE);
    assert.ok(turn);
    const activities = [1, 2, 3].map((taskId) => ({
      instanceId: 'p',
      executionId: 'p:exec-1',
      taskId,
      event: taskScheduledEvent(taskId, { name: 'act' }, clock.now()),
    }));
    await backend.commitOrchestrationTurn(turn, turnResult('p', clock.now(), { activities }));

    const tasks = await backend.leaseActivityWorkItems(LEASE, 2);
    assert.deepEqual(
      tasks.map((task) => task.taskId),
      [1, 2],
    );
    const last = await backend.leaseActivityWorkItems(LEASE, 2);
    assert.deepEqual(
      last.map((task) => task.taskId),
      [3],
    );
    assert.deepEqual(await backend.leaseActivityWorkItems(LEASE, 0), []);
    for (const task of [...tasks, ...last]) {
      await backend.completeActivityWorkItem(task, raisedEvent(`done-${task.taskId}`, clock.now()));
    }
    const results = await leaseOrchestration(backend, LEASE);
    assert.equal(results?.newEvents.length, 3);
  });
});

describe('SQLite orchestration leases', () => {
  test('the attempt counts leases of the same turn and restarts after a commit', async (t) => {
    const { backend, clock } = await open(t);
    await backend.createInstance(startEvent('x', clock.now()));
    const first = await leaseOrchestration(backend, LEASE);
    assert.equal(first?.attempt, 0);
    assert.ok(first);
    await backend.abandonOrchestrationWorkItem(first, 0);
    const second = await leaseOrchestration(backend, LEASE);
    assert.equal(second?.attempt, 1);
    assert.ok(second);
    // The lease runs out: the next holder sees a third attempt.
    clock.advance(LEASE.lockDurationMs + 1);
    const third = await leaseOrchestration(backend, LEASE);
    assert.equal(third?.attempt, 2);
    assert.ok(third);
    await backend.commitOrchestrationTurn(third, turnResult('x', clock.now()));

    await backend.addEvent('x', raisedEvent('next', clock.now()));
    const next = await leaseOrchestration(backend, LEASE);
    assert.equal(next?.attempt, 0);
  });

  test('events that arrive during a turn wait for its end, then form the next turn', async (t) => {
    const { backend, clock } = await open(t);
    await backend.createInstance(startEvent('y', clock.now()));
    const turn = await leaseOrchestration(backend, LEASE);
    assert.ok(turn);
    await backend.addEvent('y', raisedEvent('during', clock.now()));
    assert.equal(await leaseOrchestration(backend, LEASE), undefined, 'the lock hides the inbox');
    await backend.renewOrchestrationLease(turn, LEASE.lockDurationMs);
    assert.equal(await leaseOrchestration(backend, LEASE), undefined);

    await backend.commitOrchestrationTurn(turn, turnResult('y', clock.now()));
    const next = await leaseOrchestration(backend, LEASE);
    assert.deepEqual(
      next?.newEvents.map((event) => event.eventType.case),
      ['eventRaised'],
    );
  });
});

describe('SQLite history versions', () => {
  test('a lease names the history left by the last commit; a replaced instance has none', async (t) => {
    const { backend, clock } = await open(t);
    await backend.createInstance(startEvent('h', clock.now()));
    const first = await leaseOrchestration(backend, LEASE);
    assert.ok(first);
    assert.equal(first.historyVersion, undefined, 'a new instance: not known');
    assert.ok(first.nextHistoryVersion);
    await backend.commitOrchestrationTurn(first, turnResult('h', clock.now()));

    await backend.addEvent('h', raisedEvent('e', clock.now()));
    const abandoned = await leaseOrchestration(backend, LEASE);
    assert.equal(abandoned?.historyVersion, first.nextHistoryVersion);
    assert.ok(abandoned);
    await backend.abandonOrchestrationWorkItem(abandoned, 0);
    const second = await leaseOrchestration(backend, LEASE);
    assert.equal(second?.historyVersion, first.nextHistoryVersion, 'an abandon changes no history');
    assert.notEqual(second?.nextHistoryVersion, first.nextHistoryVersion);
    assert.ok(second);
    await backend.commitOrchestrationTurn(second, completingTurn('h', clock.now(), '"ok"'));

    await backend.createInstance(startEvent('h', clock.now()), {
      replaceableStatuses: [OrchestrationStatus.COMPLETED],
    });
    const replaced = await leaseOrchestration(backend, LEASE);
    assert.equal(replaced?.instanceId, 'h');
    assert.equal(replaced?.historyVersion, undefined);
  });
});
