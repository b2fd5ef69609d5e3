import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { isDurableTaskError } from '../api/errors.js';
import { TaskFailureDetailsSchema } from '../proto/orchestrator_service_pb.js';
import { failureDetailsFromError } from '../api/failure-details.js';
import {
  subOrchestrationInstanceFailedEvent,
  taskCompletedEvent,
  taskFailedEvent,
  timerFiredEvent,
} from '../runtime/history-events.js';
import type { OrchestrationContext } from './context.js';
import { Registry } from './registry.js';
import { nextRetryDelayMs, validateRetryPolicy, type RetryPolicy } from './retry.js';
import { ReplayScenario, T0 } from './testing/replay-harness.js';

const failure = (errorType = 'Error', isNonRetriable = false) =>
  create(TaskFailureDetailsSchema, { errorType, errorMessage: 'boom', isNonRetriable });

describe('nextRetryDelayMs', () => {
  const policy: RetryPolicy = { maxNumberOfAttempts: 5, firstRetryIntervalMs: 1000, backoffCoefficient: 2 };

  test('backs off exponentially from the first interval', () => {
    const delays = [1, 2, 3, 4].map((attempt) =>
      nextRetryDelayMs(policy, { attempt, elapsedMs: 0, failure: failure() }),
    );
    assert.deepEqual(delays, [1000, 2000, 4000, 8000]);
  });

  test('gives up after the last attempt', () => {
    assert.equal(nextRetryDelayMs(policy, { attempt: 5, elapsedMs: 0, failure: failure() }), undefined);
  });

  test('caps each delay at maxRetryIntervalMs (default one hour)', () => {
    const capped = { ...policy, maxRetryIntervalMs: 3000 };
    assert.equal(nextRetryDelayMs(capped, { attempt: 4, elapsedMs: 0, failure: failure() }), 3000);
    const huge = { maxNumberOfAttempts: 50, firstRetryIntervalMs: 1000, backoffCoefficient: 10 };
    assert.equal(nextRetryDelayMs(huge, { attempt: 20, elapsedMs: 0, failure: failure() }), 3_600_000);
  });

  test('stops when the next attempt would start after retryTimeoutMs', () => {
    const bounded = { ...policy, retryTimeoutMs: 5000 };
    assert.equal(nextRetryDelayMs(bounded, { attempt: 2, elapsedMs: 2000, failure: failure() }), 2000);
    assert.equal(nextRetryDelayMs(bounded, { attempt: 3, elapsedMs: 2000, failure: failure() }), undefined);
  });

  test('honours handle, non-retriable failures, and treats a throwing handle as "no"', () => {
    const picky = { ...policy, handle: (f: { errorType: string }) => f.errorType === 'Transient' };
    assert.equal(nextRetryDelayMs(picky, { attempt: 1, elapsedMs: 0, failure: failure('Transient') }), 1000);
    assert.equal(nextRetryDelayMs(picky, { attempt: 1, elapsedMs: 0, failure: failure('Fatal') }), undefined);
    assert.equal(
      nextRetryDelayMs(policy, { attempt: 1, elapsedMs: 0, failure: failure('E', true) }),
      undefined,
    );
    const broken = {
      ...policy,
      handle: () => {
        throw new Error('bug');
      },
    };
    assert.equal(nextRetryDelayMs(broken, { attempt: 1, elapsedMs: 0, failure: failure() }), undefined);
  });
});

describe('validateRetryPolicy', () => {
  for (const [label, bad] of [
    ['zero attempts', { maxNumberOfAttempts: 0, firstRetryIntervalMs: 1 }],
    ['zero interval', { maxNumberOfAttempts: 1, firstRetryIntervalMs: 0 }],
    ['coefficient below 1', { maxNumberOfAttempts: 1, firstRetryIntervalMs: 1, backoffCoefficient: 0.5 }],
    ['max interval below first', { maxNumberOfAttempts: 1, firstRetryIntervalMs: 10, maxRetryIntervalMs: 5 }],
    ['timeout below first', { maxNumberOfAttempts: 1, firstRetryIntervalMs: 10, retryTimeoutMs: 5 }],
    ['NaN attempts', { maxNumberOfAttempts: Number.NaN, firstRetryIntervalMs: 10 }],
  ] as const) {
    test(`rejects ${label}`, () => {
      assert.throws(
        () => validateRetryPolicy(bad),
        (err) => isDurableTaskError(err, 'INVALID_ARGUMENT'),
      );
    });
  }

  test('accepts a sound policy', () => {
    validateRetryPolicy({ maxNumberOfAttempts: 3, firstRetryIntervalMs: 100, maxRetryIntervalMs: 100 });
  });
});

describe('replay: retries', () => {
  const retry: RetryPolicy = { maxNumberOfAttempts: 3, firstRetryIntervalMs: 1000, backoffCoefficient: 2 };

  function flakyScenario(policy: RetryPolicy = retry): ReplayScenario {
    const registry = new Registry().addNamedOrchestrator('flaky', function* (ctx: OrchestrationContext) {
      const result: unknown = yield ctx.callActivity('charge', 10, { retry: policy });
      return result;
    });
    return new ReplayScenario(registry);
  }

  test('each failure takes a timer id, and the retry the next id when the timer fires', async () => {
    const s = flakyScenario();
    assert.deepEqual(await s.start('flaky'), ['#1 callActivity charge 10']);
    // Turn 1 runs at T0+1000: the first delay is 1000 ms.
    assert.deepEqual(
      await s.next((at) => [taskFailedEvent(1, failureDetailsFromError(new Error('down')), at)]),
      ['#2 createTimer @2000'],
    );
    assert.deepEqual(await s.next((at) => [timerFiredEvent(2, T0 + 2000, at)]), [
      '#3 callActivity charge 10',
    ]);
    // Turn 3 runs at T0+3000: the second delay is 2000 ms.
    assert.deepEqual(
      await s.next((at) => [taskFailedEvent(3, failureDetailsFromError(new Error('down')), at)]),
      ['#4 createTimer @5000'],
    );
    assert.deepEqual(await s.next((at) => [timerFiredEvent(4, T0 + 5000, at)]), [
      '#5 callActivity charge 10',
    ]);
    assert.deepEqual(
      await s.next((at) => [taskFailedEvent(5, failureDetailsFromError(new Error('still down')), at)]),
      ['#6 FAILED TaskFailedError: Activity task #5 failed: still down'],
    );
  });

  test('a retry that succeeds completes the call', async () => {
    const s = flakyScenario();
    await s.start('flaky');
    await s.next((at) => [taskFailedEvent(1, failureDetailsFromError(new Error('down')), at)]);
    await s.next((at) => [timerFiredEvent(2, T0 + 2000, at)]);
    assert.deepEqual(await s.next((at) => [taskCompletedEvent(3, '"paid"', at)]), ['#4 COMPLETED "paid"']);
    assert.deepEqual(await s.replayAll(), ['#4 COMPLETED "paid"']);
  });

  test('a failure refused by handle fails at once, without a timer', async () => {
    const s = flakyScenario({ ...retry, handle: (f) => f.errorType !== 'CardDeclined' });
    await s.start('flaky');
    const declined = Object.assign(new Error('declined'), { name: 'CardDeclined' });
    assert.deepEqual(await s.next((at) => [taskFailedEvent(1, failureDetailsFromError(declined), at)]), [
      '#2 FAILED TaskFailedError: Activity task #1 failed: declined',
    ]);
  });

  test('sub-orchestration retries keep the child instance id', async () => {
    const registry = new Registry().addNamedOrchestrator('parent', function* (ctx: OrchestrationContext) {
      yield ctx.callSubOrchestrator('child', 'x', { instanceId: 'kid', retry });
    });
    const s = new ReplayScenario(registry);
    assert.deepEqual(await s.start('parent'), ['#1 callSubOrchestrator child id=kid "x"']);
    assert.deepEqual(
      await s.next((at) => [
        subOrchestrationInstanceFailedEvent(1, failureDetailsFromError(new Error('no')), at),
      ]),
      ['#2 createTimer @2000'],
    );
    assert.deepEqual(await s.next((at) => [timerFiredEvent(2, T0 + 2000, at)]), [
      '#3 callSubOrchestrator child id=kid "x"',
    ]);
  });

  test('an invalid policy fails the orchestration', async () => {
    const s = flakyScenario({ maxNumberOfAttempts: 0, firstRetryIntervalMs: 1000 });
    const [line] = await s.start('flaky');
    assert.match(line ?? '', /^#1 FAILED InvalidArgumentError: RetryPolicy.maxNumberOfAttempts/);
  });
});
