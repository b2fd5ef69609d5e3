import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OrchestrationStatus } from '../../api/status.js';
import { eventOf, executionTerminatedEvent, taskCompletedEvent } from '../../runtime/history-events.js';
import {
  assertRejectsWith,
  kinds,
  LONG_LOCK_MS,
  SHORT_LOCK_MS,
  withBackend,
  type ConformanceContext,
  type ConformanceFactory,
} from './conformance-context.js';
import { activityTask as activity, executionIdOf, raisedEvent, turnResult } from './turn-builders.js';
import { leaseActivity } from './lease-one.js';

/** Creates an instance and commits its first turn, which schedules the given task ids. */
async function scheduleActivities(
  ctx: ConformanceContext,
  instanceId: string,
  taskIds: number[],
): Promise<void> {
  await ctx.create(instanceId);
  const item = await ctx.lease(instanceId);
  const at = await ctx.now();
  const activities = taskIds.map((taskId) => activity(instanceId, taskId, at));
  await ctx.backend.commitOrchestrationTurn(
    item,
    turnResult(instanceId, at, { activities, historyEvents: activities.map((a) => a.event) }),
  );
}

/** Activity tasks: queued by a commit, leased once, completed into the instance's inbox. */
export function activityConformanceTests(factory: ConformanceFactory): void {
  test('committed activities are leased once each and their result reaches the inbox', async () => {
    await withBackend(factory, async (ctx) => {
      await scheduleActivities(ctx, 'act', [1, 2]);
      const first = await leaseActivity(ctx.backend, { lockDurationMs: LONG_LOCK_MS });
      const second = await leaseActivity(ctx.backend, { lockDurationMs: LONG_LOCK_MS });
      assert.ok(first && second);
      assert.equal(await leaseActivity(ctx.backend, { lockDurationMs: LONG_LOCK_MS }), undefined);
      assert.deepEqual([first.taskId, second.taskId].sort(), [1, 2]);
      assert.equal(first.instanceId, 'act');
      assert.equal(first.executionId, executionIdOf('act'));
      assert.equal(first.attempt, 0);
      assert.equal(eventOf(first.event, 'taskScheduled')?.name, `Activity${first.taskId}`);
      assert.equal(first.event.eventId, first.taskId);

      await ctx.assertNoOrchestrationWork();
      await ctx.backend.completeActivityWorkItem(
        first,
        taskCompletedEvent(first.taskId, '"r"', await ctx.now()),
      );
      const item = await ctx.lease('act');
      assert.deepEqual(kinds(item.newEvents), ['taskCompleted']);
      const completed = item.newEvents[0] && eventOf(item.newEvents[0], 'taskCompleted');
      assert.equal(completed?.taskScheduledId, first.taskId);
      assert.equal(completed?.result, '"r"');

      // The completed task is gone for good: not even an expired lease brings it back.
      await ctx.advance(SHORT_LOCK_MS);
      assert.equal(await leaseActivity(ctx.backend, { lockDurationMs: LONG_LOCK_MS }), undefined);
    });
  });

  test('an activity whose lease was lost cannot be completed by its old holder', async () => {
    await withBackend(factory, async (ctx) => {
      await scheduleActivities(ctx, 'lost-act', [1]);
      const stale = await leaseActivity(ctx.backend, { lockDurationMs: SHORT_LOCK_MS });
      assert.ok(stale);
      await ctx.advance(SHORT_LOCK_MS);
      const fresh = await leaseActivity(ctx.backend, { lockDurationMs: LONG_LOCK_MS });
      assert.ok(fresh);
      assert.equal(fresh.taskId, 1);
      assert.equal(fresh.attempt, 1);
      await assertRejectsWith(
        ctx.backend.completeActivityWorkItem(stale, taskCompletedEvent(1, '"stale"', await ctx.now())),
        'LOCK_LOST',
      );
      await assertRejectsWith(ctx.backend.renewActivityLease(stale, LONG_LOCK_MS), 'LOCK_LOST');
      await ctx.assertNoOrchestrationWork();
      await ctx.backend.completeActivityWorkItem(fresh, taskCompletedEvent(1, '"fresh"', await ctx.now()));
      const item = await ctx.lease('lost-act');
      assert.equal(item.newEvents.length, 1);
      assert.equal(item.newEvents[0] && eventOf(item.newEvents[0], 'taskCompleted')?.result, '"fresh"');
    });
  });

  test('an expired activity lease nobody took still refuses completion', async () => {
    await withBackend(factory, async (ctx) => {
      await scheduleActivities(ctx, 'slow-act', [1]);
      const item = await leaseActivity(ctx.backend, { lockDurationMs: SHORT_LOCK_MS });
      assert.ok(item);
      await ctx.advance(SHORT_LOCK_MS);
      await assertRejectsWith(
        ctx.backend.completeActivityWorkItem(item, taskCompletedEvent(1, undefined, await ctx.now())),
        'LOCK_LOST',
      );
      await ctx.assertNoOrchestrationWork();
    });
  });

  test('renewing an activity lease keeps it past its first expiry', async () => {
    await withBackend(factory, async (ctx) => {
      await scheduleActivities(ctx, 'renew-act', [1]);
      const item = await leaseActivity(ctx.backend, { lockDurationMs: SHORT_LOCK_MS });
      assert.ok(item);
      const until = await ctx.backend.renewActivityLease(item, LONG_LOCK_MS);
      assert.ok(until > (await ctx.now()) + SHORT_LOCK_MS);
      await ctx.advance(SHORT_LOCK_MS);
      assert.equal(await leaseActivity(ctx.backend, { lockDurationMs: LONG_LOCK_MS }), undefined);
      await ctx.backend.completeActivityWorkItem(item, taskCompletedEvent(1, undefined, await ctx.now()));
      await ctx.lease('renew-act');
    });
  });

  test('an abandoned activity is invisible for the delay and counts the attempt', async () => {
    await withBackend(factory, async (ctx) => {
      await scheduleActivities(ctx, 'ab-act', [7]);
      const item = await leaseActivity(ctx.backend, { lockDurationMs: LONG_LOCK_MS });
      assert.ok(item);
      const abandonedAt = await ctx.now();
      await ctx.backend.abandonActivityWorkItem(item, 200);
      assert.equal(await leaseActivity(ctx.backend, { lockDurationMs: LONG_LOCK_MS }), undefined);
      const due = await ctx.backend.nextDueTime();
      assert.ok(due !== undefined && due >= abandonedAt + 200);
      await ctx.advance(200);
      const again = await leaseActivity(ctx.backend, { lockDurationMs: LONG_LOCK_MS });
      assert.ok(again);
      assert.equal(again.taskId, 7);
      assert.equal(again.attempt, 1);
      await assertRejectsWith(
        ctx.backend.completeActivityWorkItem(item, taskCompletedEvent(7, undefined, await ctx.now())),
        'LOCK_LOST',
      );
    });
  });

  test('purging an instance removes its tasks, so their completion reports a lost lease', async () => {
    await withBackend(factory, async (ctx) => {
      await scheduleActivities(ctx, 'gone', [1]);
      const item = await leaseActivity(ctx.backend, { lockDurationMs: LONG_LOCK_MS });
      assert.ok(item);
      await ctx.backend.addEvent('gone', executionTerminatedEvent(undefined, false, await ctx.now()));
      const orchestration = await ctx.lease('gone');
      const at = await ctx.now();
      await ctx.backend.commitOrchestrationTurn(
        orchestration,
        turnResult('gone', at, { summary: { status: OrchestrationStatus.TERMINATED, completedAt: at } }),
      );
      assert.equal(await ctx.backend.purgeInstance('gone', false), 1);
      await assertRejectsWith(
        ctx.backend.completeActivityWorkItem(item, taskCompletedEvent(1, undefined, await ctx.now())),
        'LOCK_LOST',
      );
      assert.equal(await ctx.backend.getInstance('gone', false), undefined);
      await ctx.assertNoOrchestrationWork();
    });
  });

  test('a result for an execution that was since replaced is dropped', async () => {
    await withBackend(factory, async (ctx) => {
      await scheduleActivities(ctx, 'can', [1]);
      const item = await leaseActivity(ctx.backend, { lockDurationMs: LONG_LOCK_MS });
      assert.ok(item);
      // Continue-as-new while the activity runs: a new execution id and a fresh history.
      await ctx.backend.addEvent('can', raisedEvent('restart', await ctx.now()));
      const orchestration = await ctx.lease('can');
      const at = await ctx.now();
      await ctx.backend.commitOrchestrationTurn(
        orchestration,
        turnResult('can', at, { historyReplaced: true, summary: { executionId: 'can:exec-2' } }),
      );
      await ctx.backend.completeActivityWorkItem(item, taskCompletedEvent(1, '"old"', await ctx.now()));
      await ctx.assertNoOrchestrationWork();
      assert.equal(await leaseActivity(ctx.backend, { lockDurationMs: LONG_LOCK_MS }), undefined);
    });
  });
}
