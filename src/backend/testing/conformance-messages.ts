import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { OrchestrationStatus } from '../../api/status.js';
import { eventOf, taskCompletedEvent, taskScheduledEvent } from '../../runtime/history-events.js';
import type { BackendNotification } from '../backend.js';
import { kinds, LONG_LOCK_MS, withBackend, type ConformanceFactory } from './conformance-context.js';
import { executionIdOf, raisedEvent, startEvent, turnResult } from './turn-builders.js';
import { leaseActivity, leaseOrchestration } from './lease-one.js';

/** Generous bound on notification delivery; only reached when a notification is missing. */
const NOTIFICATION_WAIT_MS = 2000;

/** A sub-orchestration start sent by `parentId` for its task `taskScheduledId`. */
function childStart(parentId: string, childId: string, taskScheduledId: number, at: number) {
  return startEvent(childId, at, {
    name: 'Child',
    input: '"child-input"',
    parent: { instanceId: parentId, executionId: executionIdOf(parentId), name: 'Parent', taskScheduledId },
  });
}

/** Messages between instances, and the notifications every write emits. */
export function messageConformanceTests(factory: ConformanceFactory): void {
  test('a start message creates the child instance with its parent', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.create('parent');
      const item = await ctx.lease('parent');
      const at = await ctx.now();
      await ctx.backend.commitOrchestrationTurn(
        item,
        turnResult('parent', at, {
          messages: [{ targetInstanceId: 'child', event: childStart('parent', 'child', 4, at) }],
        }),
      );
      const child = await ctx.backend.getInstance('child', true);
      assert.equal(child?.status, OrchestrationStatus.PENDING);
      assert.equal(child?.name, 'Child');
      assert.equal(child?.input, '"child-input"');
      assert.equal(child?.parentInstanceId, 'parent');
      const childItem = await ctx.lease('child');
      assert.deepEqual(kinds(childItem.newEvents), ['executionStarted']);
      const started = childItem.newEvents[0] && eventOf(childItem.newEvents[0], 'executionStarted');
      assert.equal(started?.parentInstance?.taskScheduledId, 4);
    });
  });

  test('a start message for an existing id fails the parent task instead', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.create('taken', '"original"');
      await ctx.create('p');
      const first = await leaseOrchestration(ctx.backend, { lockDurationMs: LONG_LOCK_MS });
      const second = await leaseOrchestration(ctx.backend, { lockDurationMs: LONG_LOCK_MS });
      const parentItem = [first, second].find((item) => item?.instanceId === 'p');
      assert.ok(parentItem);
      const at = await ctx.now();
      await ctx.backend.commitOrchestrationTurn(
        parentItem,
        turnResult('p', at, {
          messages: [{ targetInstanceId: 'taken', event: childStart('p', 'taken', 9, at) }],
        }),
      );
      assert.equal((await ctx.backend.getInstance('taken', true))?.input, '"original"');
      const next = await ctx.lease('p');
      assert.deepEqual(kinds(next.newEvents), ['subOrchestrationInstanceFailed']);
      const failed = next.newEvents[0] && eventOf(next.newEvents[0], 'subOrchestrationInstanceFailed');
      assert.equal(failed?.taskScheduledId, 9);
      assert.ok(failed?.failureDetails?.errorMessage.includes('taken'));
    });
  });

  test('a start message for a completed id replaces it (a retried sub-orchestration)', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.createCompleted('retried', '"first attempt"');
      await ctx.create('p2');
      const parentItem = await ctx.lease('p2');
      const at = await ctx.now();
      await ctx.backend.commitOrchestrationTurn(
        parentItem,
        turnResult('p2', at, {
          messages: [{ targetInstanceId: 'retried', event: childStart('p2', 'retried', 3, at) }],
        }),
      );
      const state = await ctx.backend.getInstance('retried', true);
      assert.equal(state?.status, OrchestrationStatus.PENDING);
      assert.equal(state?.output, undefined);
      const childItem = await ctx.lease('retried');
      assert.deepEqual(kinds(childItem.newEvents), ['executionStarted']);
    });
  });

  test('an event message reaches an existing target, at its visibleAt', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.create('sender');
      const item = await ctx.lease('sender');
      await ctx.create('target');
      const at = await ctx.now();
      await ctx.backend.commitOrchestrationTurn(
        item,
        turnResult('sender', at, {
          messages: [
            { targetInstanceId: 'target', event: raisedEvent('now', at) },
            { targetInstanceId: 'target', event: raisedEvent('later', at), visibleAt: at + 200 },
          ],
        }),
      );
      const targetItem = await ctx.lease('target');
      assert.deepEqual(
        targetItem.newEvents.map((e) => eventOf(e, 'eventRaised')?.name),
        [undefined, 'now'],
      );
      assert.equal(await ctx.backend.nextDueTime(), at + 200);
    });
  });

  test('an event message to an unknown instance is dropped without creating it', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.create('lonely');
      const item = await ctx.lease('lonely');
      const at = await ctx.now();
      await ctx.backend.commitOrchestrationTurn(
        item,
        turnResult('lonely', at, {
          messages: [{ targetInstanceId: 'nobody', event: raisedEvent('hello', at) }],
        }),
      );
      assert.equal(await ctx.backend.getInstance('nobody', false), undefined);
      assert.deepEqual((await ctx.backend.listInstanceIds({})).items, ['lonely']);
      await ctx.assertNoOrchestrationWork();
      // Nothing was kept for later either: an instance created with that id sees only its start.
      await ctx.create('nobody');
      assert.deepEqual(kinds((await ctx.lease('nobody')).newEvents), ['executionStarted']);
    });
  });

  test('writes notify listeners of work and of updated instances', async () => {
    await withBackend(factory, async (ctx) => {
      // Backends may deliver notifications asynchronously (PostgreSQL NOTIFY): wait for them.
      const seen = async (expect: BackendNotification['kind'][] = []): Promise<BackendNotification[]> => {
        const deadline = Date.now() + NOTIFICATION_WAIT_MS;
        while (!expect.every((kind) => has(ctx.notifications, kind)) && Date.now() < deadline) await sleep(5);
        if (expect.length === 0) await sleep(20);
        return ctx.notifications.splice(0);
      };
      const updated = (list: BackendNotification[]): string[] =>
        list.flatMap((n) => (n.kind === 'instance-updated' ? [n.instanceId] : []));
      const has = (list: BackendNotification[], kind: BackendNotification['kind']): boolean =>
        list.some((n) => n.kind === kind);

      await ctx.create('n1');
      let list = await seen(['orchestration-work', 'instance-updated']);
      assert.ok(has(list, 'orchestration-work'));
      assert.deepEqual(updated(list), ['n1']);

      const item = await ctx.lease('n1');
      const at = await ctx.now();
      await ctx.backend.commitOrchestrationTurn(
        item,
        turnResult('n1', at, {
          activities: [
            {
              instanceId: 'n1',
              executionId: executionIdOf('n1'),
              taskId: 1,
              event: taskScheduledEvent(1, { name: 'A' }, at),
            },
          ],
        }),
      );
      list = await seen(['activity-work', 'instance-updated']);
      assert.ok(has(list, 'activity-work'));
      assert.deepEqual(updated(list), ['n1']);

      const task = await leaseActivity(ctx.backend, { lockDurationMs: LONG_LOCK_MS });
      assert.ok(task);
      await seen();
      await ctx.backend.completeActivityWorkItem(task, taskCompletedEvent(1, undefined, await ctx.now()));
      assert.ok(has(await seen(['orchestration-work']), 'orchestration-work'));

      await ctx.backend.addEvent('n1', raisedEvent('e', await ctx.now()));
      assert.ok(has(await seen(['orchestration-work']), 'orchestration-work'));

      // A failed write announces nothing.
      await ctx.backend.addEvent('missing', raisedEvent('e', await ctx.now())).catch(() => undefined);
      assert.deepEqual(await seen(), []);

      const unsubscribeProbe: BackendNotification[] = [];
      const unsubscribe = ctx.backend.subscribe((n) => unsubscribeProbe.push(n));
      unsubscribe();
      await ctx.create('n2');
      assert.deepEqual(unsubscribeProbe, []);
      assert.deepEqual(updated(await seen(['instance-updated'])), ['n2']);
    });
  });
}
