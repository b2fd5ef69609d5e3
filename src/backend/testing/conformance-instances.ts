import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OrchestrationStatus } from '../../api/status.js';
import { eventOf } from '../../runtime/history-events.js';
import { assertRejectsWith, kinds, withBackend, type ConformanceFactory } from './conformance-context.js';
import { executionIdOf, raisedEvent, startEvent, TEST_ORCHESTRATION, turnResult } from './turn-builders.js';

/** Creating instances, adding events, scheduled starts, notifications. */
export function instanceConformanceTests(factory: ConformanceFactory): void {
  test('createInstance stores a PENDING instance that getInstance returns', async () => {
    await withBackend(factory, async (ctx) => {
      const before = await ctx.now();
      await ctx.backend.createInstance(
        startEvent('i1', before, { input: '"in"', version: 'v2', tags: { team: 'a' } }),
      );
      const after = await ctx.now();
      const state = await ctx.backend.getInstance('i1', true);
      assert.ok(state);
      assert.equal(state.instanceId, 'i1');
      assert.equal(state.name, TEST_ORCHESTRATION);
      assert.equal(state.version, 'v2');
      assert.equal(state.executionId, executionIdOf('i1'));
      assert.equal(state.status, OrchestrationStatus.PENDING);
      assert.equal(state.input, '"in"');
      assert.deepEqual(state.tags, { team: 'a' });
      assert.ok(state.createdAt >= before && state.createdAt <= after);
      assert.equal(state.lastUpdatedAt, state.createdAt);
      assert.equal(state.startedAt, undefined);
      assert.equal(state.completedAt, undefined);
      assert.equal(state.scheduledStartAt, undefined);

      const withoutPayloads = await ctx.backend.getInstance('i1', false);
      assert.equal(withoutPayloads?.input, undefined);
      assert.equal(withoutPayloads?.status, OrchestrationStatus.PENDING);
      assert.equal(await ctx.backend.getInstance('missing', true), undefined);
      assert.deepEqual(await ctx.backend.getHistory('i1'), []);
    });
  });

  test('a duplicate instance id is refused and the original is unchanged', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.create('dup', '"first"');
      await assertRejectsWith(
        ctx.backend.createInstance(startEvent('dup', await ctx.now(), { input: '"second"' })),
        'DUPLICATE_INSTANCE',
      );
      assert.equal((await ctx.backend.getInstance('dup', true))?.input, '"first"');
      const item = await ctx.lease('dup');
      assert.deepEqual(kinds(item.newEvents), ['executionStarted']);
    });
  });

  test('concurrent creates of one id: exactly one wins, unrelated writes are unaffected', async () => {
    await withBackend(factory, async (ctx) => {
      const at = await ctx.now();
      const results = await Promise.allSettled([
        ctx.backend.createInstance(startEvent('race', at, { input: '"1"' })),
        ctx.backend.createInstance(startEvent('race', at, { input: '"2"' })),
        ctx.backend.createInstance(startEvent('bystander', at)),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 2);
      assert.equal(results[2]?.status, 'fulfilled');
      const winner = results[0]?.status === 'fulfilled' ? '"1"' : '"2"';
      assert.equal((await ctx.backend.getInstance('race', true))?.input, winner);
      assert.ok(await ctx.backend.getInstance('bystander', false));
    });
  });

  test('replaceableStatuses replaces a finished instance and nothing else', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.createCompleted('reuse', '"old-output"');
      await assertRejectsWith(
        ctx.backend.createInstance(startEvent('reuse', await ctx.now()), {
          replaceableStatuses: [OrchestrationStatus.FAILED],
        }),
        'DUPLICATE_INSTANCE',
      );
      await ctx.backend.createInstance(
        startEvent('reuse', await ctx.now(), { executionId: 'exec-2', input: '"new"' }),
        { replaceableStatuses: [OrchestrationStatus.COMPLETED, OrchestrationStatus.FAILED] },
      );
      const state = await ctx.backend.getInstance('reuse', true);
      assert.equal(state?.status, OrchestrationStatus.PENDING);
      assert.equal(state?.executionId, 'exec-2');
      assert.equal(state?.input, '"new"');
      assert.equal(state?.output, undefined);
      assert.equal(state?.completedAt, undefined);
      assert.deepEqual(await ctx.backend.getHistory('reuse'), []);
      const item = await ctx.lease('reuse');
      assert.equal(item.newEvents.length, 1);
      const started = item.newEvents[0] && eventOf(item.newEvents[0], 'executionStarted');
      assert.equal(started?.orchestrationInstance?.executionId, 'exec-2');
    });
  });

  test('by default a terminal instance is replaced and a pending one is not; an empty list replaces nothing', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.create('pending');
      await assertRejectsWith(
        ctx.backend.createInstance(startEvent('pending', await ctx.now(), { input: '"second"' })),
        'DUPLICATE_INSTANCE',
      );
      await ctx.createCompleted('done', '"old-output"');
      await assertRejectsWith(
        ctx.backend.createInstance(startEvent('done', await ctx.now()), { replaceableStatuses: [] }),
        'DUPLICATE_INSTANCE',
      );
      assert.equal((await ctx.backend.getInstance('done', true))?.output, '"old-output"');
      await ctx.backend.createInstance(startEvent('done', await ctx.now(), { executionId: 'exec-2' }));
      const state = await ctx.backend.getInstance('done', true);
      assert.equal(state?.status, OrchestrationStatus.PENDING);
      assert.equal(state?.executionId, 'exec-2');
      assert.deepEqual(await ctx.backend.getHistory('done'), []);
    });
  });

  test('addEvent to an unknown instance fails and creates nothing', async () => {
    await withBackend(factory, async (ctx) => {
      await assertRejectsWith(
        ctx.backend.addEvent('ghost', raisedEvent('e', await ctx.now())),
        'INSTANCE_NOT_FOUND',
      );
      assert.equal(await ctx.backend.getInstance('ghost', false), undefined);
      assert.deepEqual((await ctx.backend.listInstanceIds({})).items, []);
      await ctx.assertNoOrchestrationWork();
    });
  });

  test('addEvent with visibleAt is delivered only from then on', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.create('later');
      const item = await ctx.lease('later');
      await ctx.backend.commitOrchestrationTurn(item, turnResult('later', await ctx.now()));
      const due = (await ctx.now()) + 200;
      await ctx.backend.addEvent('later', raisedEvent('wake', await ctx.now()), due);
      await ctx.assertNoOrchestrationWork();
      assert.equal(await ctx.backend.nextDueTime(), due);
      await ctx.advance(200);
      const next = await ctx.lease('later');
      assert.deepEqual(kinds(next.newEvents), ['eventRaised']);
    });
  });

  test('a scheduled start delays the first lease until its time', async () => {
    await withBackend(factory, async (ctx) => {
      const startAt = (await ctx.now()) + 200;
      await ctx.backend.createInstance(startEvent('sched', await ctx.now(), { scheduledStartAt: startAt }));
      const state = await ctx.backend.getInstance('sched', false);
      assert.equal(state?.status, OrchestrationStatus.PENDING);
      assert.equal(state?.scheduledStartAt, startAt);
      await ctx.assertNoOrchestrationWork();
      assert.equal(await ctx.backend.nextDueTime(), startAt);
      await ctx.advance(200);
      const item = await ctx.lease('sched');
      assert.deepEqual(kinds(item.newEvents), ['executionStarted']);
    });
  });

  test('events sent before a scheduled start wait for it instead of being leased alone', async () => {
    await withBackend(factory, async (ctx) => {
      const startAt = (await ctx.now()) + 200;
      await ctx.backend.createInstance(startEvent('early', await ctx.now(), { scheduledStartAt: startAt }));
      await ctx.backend.addEvent('early', raisedEvent('go', await ctx.now()));
      await ctx.assertNoOrchestrationWork();
      assert.equal(await ctx.backend.nextDueTime(), startAt);
      await ctx.advance(200);
      const item = await ctx.lease('early');
      assert.deepEqual(kinds(item.newEvents), ['executionStarted', 'eventRaised']);
    });
  });

  test('a scheduled start at epoch 0 starts at once', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.backend.createInstance(startEvent('zero', await ctx.now(), { scheduledStartAt: 0 }));
      assert.equal((await ctx.backend.getInstance('zero', false))?.scheduledStartAt, undefined);
      await ctx.lease('zero');
    });
  });
}
