import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OrchestrationStatus } from '../../api/status.js';
import {
  eventOf,
  orchestratorStartedEvent,
  timerCreatedEvent,
  timerFiredEvent,
} from '../../runtime/history-events.js';
import {
  assertRejectsWith,
  kinds,
  LONG_LOCK_MS,
  SHORT_LOCK_MS,
  withBackend,
  type ConformanceFactory,
} from './conformance-context.js';
import { completingTurn, raisedEvent, startEvent, turnResult } from './turn-builders.js';
import { leaseOrchestration } from './lease-one.js';

/** Orchestration leases, commits, renewals, abandons and timers. */
export function orchestrationConformanceTests(factory: ConformanceFactory): void {
  test('a lease returns the visible events in arrival order with a token', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.create('o1');
      await ctx.backend.addEvent('o1', raisedEvent('a', await ctx.now()));
      await ctx.backend.addEvent('o1', raisedEvent('b', await ctx.now()));
      const now = await ctx.now();
      const item = await ctx.lease('o1');
      assert.deepEqual(kinds(item.newEvents), ['executionStarted', 'eventRaised', 'eventRaised']);
      assert.deepEqual(
        item.newEvents.slice(1).map((e) => eventOf(e, 'eventRaised')?.name),
        ['a', 'b'],
      );
      assert.equal(item.inboxIds.length, 3);
      assert.equal(new Set(item.inboxIds).size, 3);
      assert.ok(item.lockToken.length > 0);
      assert.ok(item.lockedUntil >= now + LONG_LOCK_MS);
      assert.equal(item.attempt, 0);
    });
  });

  test('maxEvents bounds a turn; the rest comes in the next one', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.create('bounded');
      for (const name of ['a', 'b', 'c'])
        await ctx.backend.addEvent('bounded', raisedEvent(name, await ctx.now()));
      const first = await leaseOrchestration(ctx.backend, {
        lockDurationMs: LONG_LOCK_MS,
        maxEvents: 2,
      });
      assert.deepEqual(kinds(first?.newEvents ?? []), ['executionStarted', 'eventRaised']);
      assert.ok(first);
      await ctx.backend.commitOrchestrationTurn(first, turnResult('bounded', await ctx.now()));
      const second = await ctx.lease('bounded');
      assert.deepEqual(
        second.newEvents.map((e) => eventOf(e, 'eventRaised')?.name),
        ['b', 'c'],
      );
    });
  });

  test('a leased instance is not leased again while the lease lives', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.create('x');
      await ctx.create('y');
      const first = await leaseOrchestration(ctx.backend, { lockDurationMs: LONG_LOCK_MS });
      const second = await leaseOrchestration(ctx.backend, { lockDurationMs: LONG_LOCK_MS });
      assert.ok(first && second);
      assert.deepEqual([first.instanceId, second.instanceId].sort(), ['x', 'y']);
      await ctx.backend.addEvent('x', raisedEvent('during', await ctx.now()));
      await ctx.assertNoOrchestrationWork();
    });
  });

  test('an expired lease lets another worker lease; the old token cannot commit', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.create('lost');
      const stale = await ctx.lease('lost', SHORT_LOCK_MS);
      await ctx.advance(SHORT_LOCK_MS);
      const fresh = await ctx.lease('lost');
      assert.notEqual(fresh.lockToken, stale.lockToken);
      assert.equal(fresh.attempt, 1);
      assert.deepEqual(kinds(fresh.newEvents), ['executionStarted']);

      await assertRejectsWith(
        ctx.backend.commitOrchestrationTurn(stale, completingTurn('lost', await ctx.now(), '"stale"')),
        'LOCK_LOST',
      );
      assert.deepEqual(await ctx.backend.getHistory('lost'), []);
      assert.equal((await ctx.backend.getInstance('lost', false))?.status, OrchestrationStatus.PENDING);
      await assertRejectsWith(ctx.backend.renewOrchestrationLease(stale, LONG_LOCK_MS), 'LOCK_LOST');

      await ctx.backend.commitOrchestrationTurn(fresh, completingTurn('lost', await ctx.now(), '"fresh"'));
      assert.equal((await ctx.backend.getInstance('lost', true))?.output, '"fresh"');
    });
  });

  test('an expired lease nobody took still refuses the commit', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.create('late');
      const item = await ctx.lease('late', SHORT_LOCK_MS);
      await ctx.advance(SHORT_LOCK_MS);
      await assertRejectsWith(
        ctx.backend.commitOrchestrationTurn(item, turnResult('late', await ctx.now())),
        'LOCK_LOST',
      );
      assert.deepEqual(await ctx.backend.getHistory('late'), []);
      const again = await ctx.lease('late');
      assert.deepEqual(kinds(again.newEvents), ['executionStarted']);
    });
  });

  test('a commit appends history, updates the instance and deletes only the consumed events', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.create('c1', '"input"');
      const item = await ctx.lease('c1');
      await ctx.backend.addEvent('c1', raisedEvent('arrived-during-turn', await ctx.now()));
      await ctx.advance(5);
      const at = await ctx.now();
      await ctx.backend.commitOrchestrationTurn(
        item,
        turnResult('c1', at, {
          historyEvents: [orchestratorStartedEvent(at), ...item.newEvents],
          summary: { customStatus: '"working"', input: '"input"', tags: { k: 'v' } },
        }),
      );
      const state = await ctx.backend.getInstance('c1', true);
      assert.equal(state?.status, OrchestrationStatus.RUNNING);
      assert.equal(state?.startedAt, at);
      assert.equal(state?.customStatus, '"working"');
      assert.deepEqual(state?.tags, { k: 'v' });
      assert.ok(state && state.lastUpdatedAt >= at);
      assert.deepEqual(kinds(await ctx.backend.getHistory('c1')), [
        'orchestratorStarted',
        'executionStarted',
      ]);

      const next = await ctx.lease('c1');
      assert.deepEqual(kinds(next.newEvents), ['eventRaised']);
      assert.equal(next.attempt, 0);
      const at2 = await ctx.now();
      await ctx.backend.commitOrchestrationTurn(next, completingTurn('c1', at2, '"done"'));
      assert.deepEqual(kinds(await ctx.backend.getHistory('c1')), [
        'orchestratorStarted',
        'executionStarted',
        'orchestratorStarted',
        'executionCompleted',
      ]);
      const done = await ctx.backend.getInstance('c1', true);
      assert.equal(done?.status, OrchestrationStatus.COMPLETED);
      assert.equal(done?.output, '"done"');
      assert.equal(done?.completedAt, at2);
      await ctx.assertNoOrchestrationWork();
    });
  });

  test('historyReplaced replaces the whole history', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.create('gen');
      const first = await ctx.lease('gen');
      const at = await ctx.now();
      await ctx.backend.commitOrchestrationTurn(
        first,
        turnResult('gen', at, { historyEvents: [orchestratorStartedEvent(at), ...first.newEvents] }),
      );
      await ctx.backend.addEvent('gen', raisedEvent('go', at));
      const second = await ctx.lease('gen');
      await ctx.backend.commitOrchestrationTurn(
        second,
        turnResult('gen', at, {
          historyEvents: [raisedEvent('only', at)],
          historyReplaced: true,
          summary: { executionId: 'gen:exec-2' },
        }),
      );
      const history = await ctx.backend.getHistory('gen');
      assert.deepEqual(
        history.map((e) => eventOf(e, 'eventRaised')?.name),
        ['only'],
      );
      assert.equal((await ctx.backend.getInstance('gen', false))?.executionId, 'gen:exec-2');
    });
  });

  test("a held lease's expiry is a due time, so a waiting worker wakes when it runs out", async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.create('held');
      const item = await ctx.lease('held', SHORT_LOCK_MS);
      await ctx.assertNoOrchestrationWork();
      assert.equal(await ctx.backend.nextDueTime(), item.lockedUntil);
      await ctx.advance(SHORT_LOCK_MS);
      const again = await ctx.lease('held');
      assert.deepEqual(kinds(again.newEvents), ['executionStarted']);
    });
  });

  test('renewing a lease keeps it past its first expiry', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.create('renew');
      const item = await ctx.lease('renew', SHORT_LOCK_MS);
      const until = await ctx.backend.renewOrchestrationLease(item, LONG_LOCK_MS);
      assert.ok(until >= (await ctx.now()) + LONG_LOCK_MS - 1000);
      await ctx.advance(SHORT_LOCK_MS);
      await ctx.assertNoOrchestrationWork();
      await ctx.backend.commitOrchestrationTurn(item, turnResult('renew', await ctx.now()));
      assert.equal((await ctx.backend.getInstance('renew', false))?.status, OrchestrationStatus.RUNNING);
    });
  });

  test('abandon releases the lease and delays the events, counting the attempt', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.create('ab');
      const item = await ctx.lease('ab');
      await ctx.backend.abandonOrchestrationWorkItem(item, 200);
      await ctx.assertNoOrchestrationWork();
      const due = await ctx.backend.nextDueTime();
      assert.ok(due !== undefined && due > (await ctx.now()));
      await ctx.advance(200);
      const again = await ctx.lease('ab');
      assert.equal(again.attempt, 1);
      assert.deepEqual(kinds(again.newEvents), ['executionStarted']);
      await assertRejectsWith(
        ctx.backend.commitOrchestrationTurn(item, turnResult('ab', await ctx.now())),
        'LOCK_LOST',
      );

      await ctx.backend.abandonOrchestrationWorkItem(again, 0);
      const third = await ctx.lease('ab');
      assert.equal(third.attempt, 2);
    });
  });

  test('timers stay invisible until they fire and nextDueTime reports them', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.create('tm');
      const item = await ctx.lease('tm');
      const at = await ctx.now();
      const fireAt = at + 250;
      await ctx.backend.commitOrchestrationTurn(
        item,
        turnResult('tm', at, {
          historyEvents: [orchestratorStartedEvent(at), ...item.newEvents, timerCreatedEvent(1, fireAt, at)],
          timers: [{ instanceId: 'tm', fireAt, event: timerFiredEvent(1, fireAt, at) }],
        }),
      );
      await ctx.assertNoOrchestrationWork();
      assert.equal(await ctx.backend.nextDueTime(), fireAt);
      await ctx.advance(250);
      const fired = await ctx.lease('tm');
      assert.deepEqual(kinds(fired.newEvents), ['timerFired']);
      assert.equal(eventOf(fired.newEvents[0]!, 'timerFired')?.timerId, 1);
    });
  });

  test('nextDueTime is undefined when nothing waits for a time', async () => {
    await withBackend(factory, async (ctx) => {
      assert.equal(await ctx.backend.nextDueTime(), undefined);
      await ctx.create('now');
      assert.equal(await ctx.backend.nextDueTime(), undefined);
    });
  });

  test('requeued events come back in the next turn', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.create('rq');
      const item = await ctx.lease('rq');
      const at = await ctx.now();
      await ctx.backend.commitOrchestrationTurn(
        item,
        turnResult('rq', at, { requeue: [raisedEvent('carry', at)] }),
      );
      const next = await ctx.lease('rq');
      assert.deepEqual(
        next.newEvents.map((e) => eventOf(e, 'eventRaised')?.name),
        ['carry'],
      );
    });
  });

  test('requeued events stay ahead of events that arrived during the turn', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.create('keep-order');
      await ctx.backend.addEvent('keep-order', raisedEvent('carried-1', await ctx.now()));
      await ctx.backend.addEvent('keep-order', raisedEvent('carried-2', await ctx.now()));
      const item = await ctx.lease('keep-order');
      await ctx.backend.addEvent('keep-order', raisedEvent('arrived-during-turn', await ctx.now()));
      await ctx.backend.commitOrchestrationTurn(
        item,
        turnResult('keep-order', await ctx.now(), {
          historyReplaced: true,
          requeue: item.newEvents.slice(1),
        }),
      );
      const next = await ctx.lease('keep-order');
      assert.deepEqual(
        next.newEvents.map((e) => eventOf(e, 'eventRaised')?.name),
        ['carried-1', 'carried-2', 'arrived-during-turn'],
      );
    });
  });

  test('more requeued events than the turn consumed all stay ahead of events that arrived during it', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.create('carry-more');
      const first = await ctx.lease('carry-more');
      await ctx.backend.commitOrchestrationTurn(first, turnResult('carry-more', await ctx.now()));
      await ctx.backend.addEvent('carry-more', raisedEvent('go', await ctx.now()));
      const item = await ctx.lease('carry-more');
      assert.equal(item.newEvents.length, 1, 'the turn consumes one inbox row');
      await ctx.backend.addEvent('carry-more', raisedEvent('arrived-during-turn', await ctx.now()));
      const at = await ctx.now();
      // Continue-as-new carrying three events buffered by earlier turns: four requeued, one consumed.
      const carried = ['carried-1', 'carried-2', 'carried-3'].map((name) => raisedEvent(name, at));
      await ctx.backend.commitOrchestrationTurn(
        item,
        turnResult('carry-more', at, {
          historyReplaced: true,
          requeue: [startEvent('carry-more', at, { executionId: 'exec-next' }), ...carried],
        }),
      );
      const next = await ctx.lease('carry-more');
      assert.deepEqual(
        next.newEvents.map((e) =>
          e.eventType.case === 'executionStarted' ? 'start' : eventOf(e, 'eventRaised')?.name,
        ),
        ['start', 'carried-1', 'carried-2', 'carried-3', 'arrived-during-turn'],
      );
    });
  });
}
