/* eslint-disable @typescript-eslint/no-unsafe-assignment -- the value of a `yield` is typed any, as in durabletask-js */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Logger } from '../logging/logger.js';
import { taskCompletedEvent } from '../runtime/history-events.js';
import type { OrchestrationContext } from './context.js';
import { Registry } from './registry.js';
import { ReplayScenario, T0, scenarioFor } from './testing/replay-harness.js';

describe('replay: context', () => {
  test('isReplaying is true over past events and false over new ones', async () => {
    const seen: [string, boolean][] = [];
    const s = scenarioFor('watch', function* (ctx: OrchestrationContext) {
      seen.push(['start', ctx.isReplaying]);
      yield ctx.callActivity('a');
      seen.push(['after a', ctx.isReplaying]);
      yield ctx.callActivity('b');
      seen.push(['after b', ctx.isReplaying]);
    });
    await s.start('watch');
    await s.next((at) => [taskCompletedEvent(1, undefined, at)]);
    seen.length = 0;
    await s.next((at) => [taskCompletedEvent(2, undefined, at)]);
    assert.deepEqual(seen, [
      ['start', true],
      ['after a', true],
      ['after b', false],
    ]);
  });

  test('ctx.log is silent while replaying', async () => {
    const lines: string[] = [];
    const capture: Logger = {
      debug: () => undefined,
      info: (_obj, msg) => lines.push(msg ?? ''),
      warn: () => undefined,
      error: () => undefined,
      child: () => capture,
    };
    const registry = new Registry().addNamedOrchestrator('chatty', function* (ctx: OrchestrationContext) {
      ctx.log.info({}, 'before a');
      yield ctx.callActivity('a');
      ctx.log.info({}, 'after a');
    });
    const s = new ReplayScenario(registry, { logger: capture });
    await s.start('chatty');
    await s.next((at) => [taskCompletedEvent(1, undefined, at)]);
    assert.deepEqual(lines, ['before a', 'after a']);
  });

  test('newGuid and currentUtcDateTime are the same on every replay', async () => {
    const guids: string[][] = [];
    const times: number[] = [];
    const s = scenarioFor('ids', function* (ctx: OrchestrationContext) {
      const these = [ctx.newGuid(), ctx.newGuid()];
      guids.push(these);
      yield ctx.callActivity('a');
      times.push(ctx.currentUtcDateTime.getTime());
    });
    await s.start('ids');
    await s.next((at) => [taskCompletedEvent(1, undefined, at)]);
    assert.deepEqual(guids[0], guids[1]);
    assert.notEqual(guids[0]?.[0], guids[0]?.[1]);
    assert.match(
      guids[0]?.[0] ?? '',
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    assert.deepEqual(times, [T0 + 1000]);
  });

  for (const kind of ['function*', 'async function*'] as const) {
    test(`${kind} orchestrators replay identically`, async () => {
      const sync = function* (ctx: OrchestrationContext, n: number) {
        const a: number = yield ctx.callActivity('a', n);
        const [b, c]: number[] = yield ctx.whenAll([ctx.callActivity('b', a), ctx.callActivity('c', a)]);
        return (b ?? 0) + (c ?? 0);
      };
      const async = async function* (ctx: OrchestrationContext, n: number) {
        await Promise.resolve();
        const a: number = yield ctx.callActivity('a', n);
        const [b, c]: number[] = yield ctx.whenAll([ctx.callActivity('b', a), ctx.callActivity('c', a)]);
        return (b ?? 0) + (c ?? 0);
      };
      const s = scenarioFor('kinds', kind === 'function*' ? sync : async);
      assert.deepEqual(await s.start('kinds', 1), ['#1 callActivity a 1']);
      assert.deepEqual(await s.next((at) => [taskCompletedEvent(1, '2', at)]), [
        '#2 callActivity b 2',
        '#3 callActivity c 2',
      ]);
      assert.deepEqual(
        await s.next((at) => [taskCompletedEvent(2, '3', at), taskCompletedEvent(3, '4', at)]),
        ['#4 COMPLETED 7'],
      );
    });
  }

  test('a plain async function orchestrator completes with its result', async () => {
    const s = scenarioFor('plain', async (_ctx: OrchestrationContext, n: number) => n * 2);
    assert.deepEqual(await s.start('plain', 21), ['#1 COMPLETED 42']);
  });

  test('sendEvent is an action confirmed by EventSent', async () => {
    const s = scenarioFor('notify', function* (ctx: OrchestrationContext) {
      ctx.sendEvent('other-1', 'Ping', { n: 1 });
      yield ctx.callActivity('a');
    });
    assert.deepEqual(await s.start('notify'), ['#1 sendEvent other-1 Ping {"n":1}', '#2 callActivity a -']);
    assert.deepEqual(await s.next((at) => [taskCompletedEvent(2, undefined, at)]), ['#3 COMPLETED -']);
  });
});
