/* eslint-disable @typescript-eslint/no-unsafe-assignment -- the value of a `yield` is typed any, as in durabletask-js */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TaskCancelledError, isDurableTaskError } from '../api/errors.js';
import { eventRaisedEvent, taskCompletedEvent, timerFiredEvent } from '../runtime/history-events.js';
import type { OrchestrationContext } from './context.js';
import type { Orchestrator } from './orchestrator.js';
import { Registry } from './registry.js';
import { ReplayScenario, T0 } from './testing/replay-harness.js';

function scenarioFor(orchestrator: Orchestrator<never, unknown>): ReplayScenario {
  return new ReplayScenario(new Registry().addNamedOrchestrator('waiter', orchestrator));
}

describe('external events', () => {
  test('an event raised before anyone waits is buffered and taken when awaited', async () => {
    const s = scenarioFor(function* (ctx: OrchestrationContext) {
      yield ctx.createTimer(1);
      const approval: unknown = yield ctx.waitForExternalEvent('approval');
      return approval;
    });
    assert.deepEqual(await s.start('waiter', undefined, [eventRaisedEvent('approval', '{"ok":true}', T0)]), [
      '#1 createTimer @1000',
    ]);
    assert.deepEqual(await s.next((at) => [timerFiredEvent(1, T0 + 1000, at)]), ['#2 COMPLETED {"ok":true}']);
  });

  test('events of one name are delivered first in, first out', async () => {
    const s = scenarioFor(function* (ctx: OrchestrationContext) {
      const first: number = yield ctx.waitForExternalEvent('item');
      const second: number = yield ctx.waitForExternalEvent('item');
      const third: number = yield ctx.waitForExternalEvent('item');
      return [first, second, third];
    });
    assert.deepEqual(await s.start('waiter'), []);
    assert.deepEqual(
      await s.next((at) => [eventRaisedEvent('item', '1', at), eventRaisedEvent('item', '2', at)]),
      [],
    );
    assert.deepEqual(await s.next((at) => [eventRaisedEvent('item', '3', at)]), ['#1 COMPLETED [1,2,3]']);
  });

  test('waiters of one name are served first in, first out', async () => {
    const s = scenarioFor(function* (ctx: OrchestrationContext) {
      const a = ctx.waitForExternalEvent('go');
      const b = ctx.waitForExternalEvent('go');
      const both: unknown[] = yield ctx.whenAll([a, b]);
      return both;
    });
    await s.start('waiter');
    assert.deepEqual(
      await s.next((at) => [eventRaisedEvent('go', '"first"', at), eventRaisedEvent('go', '"second"', at)]),
      ['#1 COMPLETED ["first","second"]'],
    );
  });

  test('event names are case-insensitive', async () => {
    const s = scenarioFor(function* (ctx: OrchestrationContext) {
      const buffered: unknown = yield ctx.waitForExternalEvent('approval');
      const waited: unknown = yield ctx.waitForExternalEvent('Other');
      return [buffered, waited];
    });
    await s.start('waiter', undefined, [eventRaisedEvent('APPROVAL', '1', T0)]);
    assert.deepEqual(await s.next((at) => [eventRaisedEvent('OTHER', '2', at)]), ['#1 COMPLETED [1,2]']);
  });

  test('a timeout takes a timer; when it fires the wait fails with TaskCancelledError', async () => {
    const errors: unknown[] = [];
    const s = scenarioFor(function* (ctx: OrchestrationContext) {
      try {
        const approval: unknown = yield ctx.waitForExternalEvent('approval', { timeoutMs: 5000 });
        return approval;
      } catch (err) {
        errors.push(err);
        return 'timed out';
      }
    });
    assert.deepEqual(await s.start('waiter'), ['#1 createTimer @5000']);
    assert.deepEqual(await s.next((at) => [timerFiredEvent(1, T0 + 5000, at)]), ['#2 COMPLETED "timed out"']);
    assert.ok(errors[0] instanceof TaskCancelledError);
    assert.ok(isDurableTaskError(errors[0], 'TASK_CANCELLED'));
  });

  test('an event that arrives after its wait timed out is buffered for the next wait', async () => {
    const s = scenarioFor(function* (ctx: OrchestrationContext) {
      try {
        yield ctx.waitForExternalEvent('approval', { timeoutMs: 5000 });
      } catch {
        yield ctx.callActivity('remind');
      }
      const approval: unknown = yield ctx.waitForExternalEvent('approval');
      return approval;
    });
    await s.start('waiter');
    assert.deepEqual(await s.next((at) => [timerFiredEvent(1, T0 + 5000, at)]), ['#2 callActivity remind -']);
    assert.deepEqual(await s.next((at) => [eventRaisedEvent('approval', '"late"', at)]), []);
    assert.deepEqual(await s.next((at) => [taskCompletedEvent(2, undefined, at)]), ['#3 COMPLETED "late"']);
  });

  test('an event raised before its timeout survives the stale TimerFired that comes later', async () => {
    const s = scenarioFor(function* (ctx: OrchestrationContext) {
      const approval: unknown = yield ctx.waitForExternalEvent('approval', { timeoutMs: 5000 });
      const receipt: unknown = yield ctx.callActivity('record', approval);
      return receipt;
    });
    assert.deepEqual(await s.start('waiter'), ['#1 createTimer @5000']);
    assert.deepEqual(await s.next((at) => [eventRaisedEvent('approval', '"yes"', at)]), [
      '#2 callActivity record "yes"',
    ]);
    assert.deepEqual(await s.next((at) => [timerFiredEvent(1, T0 + 5000, at)]), []);
    assert.deepEqual(await s.next((at) => [taskCompletedEvent(2, '"ok"', at)]), ['#3 COMPLETED "ok"']);
    // The whole history replays cleanly on a fresh worker too.
    assert.deepEqual(await s.replayAll(), ['#3 COMPLETED "ok"']);
  });

  test('a buffered event needs no timeout timer', async () => {
    const s = scenarioFor(function* (ctx: OrchestrationContext) {
      yield ctx.createTimer(1);
      const value: unknown = yield ctx.waitForExternalEvent('ready', { timeoutMs: 5000 });
      yield ctx.callActivity('use', value);
    });
    await s.start('waiter', undefined, [eventRaisedEvent('ready', '7', T0)]);
    assert.deepEqual(await s.next((at) => [timerFiredEvent(1, T0 + 1000, at)]), ['#2 callActivity use 7']);
  });

  test('a zero timeout fails at once without a timer unless an event is buffered', async () => {
    const s = scenarioFor(function* (ctx: OrchestrationContext) {
      yield ctx.createTimer(1);
      const buffered: unknown = yield ctx.waitForExternalEvent('a', { timeoutMs: 0 });
      try {
        yield ctx.waitForExternalEvent('b', { timeoutMs: 0 });
        return 'unexpected';
      } catch (err) {
        return [buffered, (err as Error).name];
      }
    });
    await s.start('waiter', undefined, [eventRaisedEvent('a', '1', T0)]);
    assert.deepEqual(await s.next((at) => [timerFiredEvent(1, T0 + 1000, at)]), [
      '#2 COMPLETED [1,"TaskCancelledError"]',
    ]);
  });
});
