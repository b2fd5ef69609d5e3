import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import type { ActivityWorkItem, Backend } from '../backend/backend.js';
import type { Executor } from '../executor/executor.js';
import {
  ActivityResponseSchema,
  TaskFailureDetailsSchema,
  TraceContextSchema,
  type ActivityRequest,
  type HistoryEvent,
} from '../proto/orchestrator_service_pb.js';
import { eventOf, eventTime, taskScheduledEvent, timerFiredEvent } from '../runtime/history-events.js';
import { activityRequestFor, activityResultEvent, createActivityRunner } from './activity-task.js';
import { FakeClock } from '../loop/testing/fake-clock.js';

function scheduled(taskId: number): HistoryEvent {
  return taskScheduledEvent(
    taskId,
    {
      name: 'SayHello',
      version: '2',
      input: '"Tokyo"',
      tags: { team: 'blue' },
      parentTraceContext: create(TraceContextSchema, { traceParent: '00-abc-def-01', spanID: '' }),
    },
    1_000,
  );
}

function workItem(event: HistoryEvent = scheduled(7)): ActivityWorkItem {
  return {
    instanceId: 'order-1',
    executionId: 'exec-1',
    taskId: 7,
    event,
    id: 'row-1',
    lockToken: 'token',
    lockedUntil: 0,
    attempt: 0,
  };
}

/** Records completions; every other Backend method is absent (the runner must not need them). */
function recordingBackend(): { backend: Backend; completed: HistoryEvent[] } {
  const completed: HistoryEvent[] = [];
  const backend = {
    completeActivityWorkItem: async (_item: ActivityWorkItem, result: HistoryEvent) => {
      completed.push(result);
    },
  } as unknown as Backend;
  return { backend, completed };
}

function executorAnswering(
  answer: (request: ActivityRequest, signal?: AbortSignal) => Promise<unknown>,
): Executor {
  return {
    executeOrchestrator: () => Promise.reject(new Error('not expected')),
    executeActivity: answer as Executor['executeActivity'],
  };
}

describe('activityRequestFor', () => {
  test('builds the request from the TaskScheduled event and the work item', () => {
    const request = activityRequestFor(workItem());
    assert.ok(request);
    assert.equal(request.name, 'SayHello');
    assert.equal(request.version, '2');
    assert.equal(request.input, '"Tokyo"');
    assert.equal(request.taskId, 7);
    assert.equal(request.orchestrationInstance?.instanceId, 'order-1');
    assert.equal(request.orchestrationInstance?.executionId, 'exec-1');
    assert.deepEqual(request.tags, { team: 'blue' });
    assert.equal(request.parentTraceContext?.traceParent, '00-abc-def-01');
  });

  test('is undefined for an item without a TaskScheduled event', () => {
    assert.equal(activityRequestFor(workItem(timerFiredEvent(1, 5, 5))), undefined);
  });
});

describe('activityResultEvent', () => {
  test('a result becomes TaskCompleted for the task id', () => {
    const event = activityResultEvent(workItem(), create(ActivityResponseSchema, { result: '"hi"' }), 42_000);
    assert.equal(eventOf(event, 'taskCompleted')?.taskScheduledId, 7);
    assert.equal(eventOf(event, 'taskCompleted')?.result, '"hi"');
    assert.equal(eventTime(event), 42_000);
  });

  test('failure details become TaskFailed', () => {
    const failureDetails = create(TaskFailureDetailsSchema, { errorType: 'TypeError', errorMessage: 'bad' });
    const event = activityResultEvent(workItem(), create(ActivityResponseSchema, { failureDetails }), 1);
    const failed = eventOf(event, 'taskFailed');
    assert.equal(failed?.taskScheduledId, 7);
    assert.equal(failed?.failureDetails?.errorType, 'TypeError');
    assert.equal(failed?.failureDetails?.errorMessage, 'bad');
  });
});

describe('createActivityRunner', () => {
  test('runs the activity with the signal and completes the item with its result', async () => {
    const { backend, completed } = recordingBackend();
    const clock = new FakeClock(5_000);
    let seen: { request: ActivityRequest; signal: AbortSignal | undefined } | undefined;
    const run = createActivityRunner({
      backend,
      clock,
      executor: executorAnswering(async (request, signal) => {
        seen = { request, signal };
        return create(ActivityResponseSchema, { instanceId: 'order-1', taskId: 7, result: '42' });
      }),
    });
    const controller = new AbortController();
    await run(workItem(), controller.signal);
    assert.equal(seen?.request.name, 'SayHello');
    assert.equal(seen?.signal, controller.signal);
    assert.equal(completed.length, 1);
    assert.equal(eventOf(completed[0]!, 'taskCompleted')?.result, '42');
    assert.equal(eventTime(completed[0]!), 5_000);
  });

  test('an executor error rejects and completes nothing (the worker retries the item)', async () => {
    const { backend, completed } = recordingBackend();
    const run = createActivityRunner({
      backend,
      clock: new FakeClock(),
      executor: executorAnswering(() => Promise.reject(new Error('no worker connected'))),
    });
    await assert.rejects(run(workItem(), new AbortController().signal), /no worker connected/);
    assert.equal(completed.length, 0);
  });

  test('an aborted signal stops before running the activity', async () => {
    const { backend, completed } = recordingBackend();
    let calls = 0;
    const run = createActivityRunner({
      backend,
      clock: new FakeClock(),
      executor: executorAnswering(async () => {
        calls++;
        return create(ActivityResponseSchema, {});
      }),
    });
    await assert.rejects(run(workItem(), AbortSignal.abort()));
    assert.equal(calls, 0);
    assert.equal(completed.length, 0);
  });

  test('a malformed task is completed as a non-retriable TaskFailed instead of retried forever', async () => {
    const { backend, completed } = recordingBackend();
    const run = createActivityRunner({
      backend,
      clock: new FakeClock(),
      executor: executorAnswering(() => Promise.reject(new Error('must not run'))),
    });
    await run(workItem(timerFiredEvent(1, 5, 5)), new AbortController().signal);
    const failed = eventOf(completed[0]!, 'taskFailed');
    assert.equal(failed?.taskScheduledId, 7);
    assert.equal(failed?.failureDetails?.isNonRetriable, true);
    assert.match(failed?.failureDetails?.errorMessage ?? '', /timerFired/);
  });
});
