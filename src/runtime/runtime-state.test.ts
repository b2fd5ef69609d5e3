import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OrchestrationStatus } from '../api/status.js';
import type { HistoryEvent } from '../proto/orchestrator_service_pb.js';
import {
  eventRaisedEvent,
  executionCompletedEvent,
  executionResumedEvent,
  executionStartedEvent,
  executionSuspendedEvent,
  orchestratorStartedEvent,
  subOrchestrationInstanceCompletedEvent,
  subOrchestrationInstanceCreatedEvent,
  taskCompletedEvent,
  taskFailedEvent,
  taskScheduledEvent,
  timerCreatedEvent,
  timerFiredEvent,
} from './history-events.js';
import { OrchestrationRuntimeState, type RejectionReason } from './runtime-state.js';
import { failure, renderAll, startedHistory, T0 } from './testing/histories.js';

const started = startedHistory();

describe('OrchestrationRuntimeState status', () => {
  const cases: { name: string; history: HistoryEvent[]; status: OrchestrationStatus; suspended: boolean }[] =
    [
      { name: 'no history', history: [], status: OrchestrationStatus.PENDING, suspended: false },
      { name: 'started', history: started, status: OrchestrationStatus.RUNNING, suspended: false },
      {
        name: 'suspended',
        history: [...started, executionSuspendedEvent('why', T0)],
        status: OrchestrationStatus.SUSPENDED,
        suspended: true,
      },
      {
        name: 'resumed',
        history: [...started, executionSuspendedEvent(undefined, T0), executionResumedEvent(undefined, T0)],
        status: OrchestrationStatus.RUNNING,
        suspended: false,
      },
      {
        name: 'completed while suspended reports the completion',
        history: [
          ...started,
          executionSuspendedEvent(undefined, T0),
          executionCompletedEvent(-1, OrchestrationStatus.TERMINATED, undefined, undefined, T0),
        ],
        status: OrchestrationStatus.TERMINATED,
        suspended: false,
      },
      {
        name: 'failed',
        history: [
          ...started,
          executionCompletedEvent(3, OrchestrationStatus.FAILED, undefined, failure('x'), T0),
        ],
        status: OrchestrationStatus.FAILED,
        suspended: false,
      },
    ];
  for (const c of cases) {
    test(c.name, () => {
      const state = OrchestrationRuntimeState.fromHistory(c.history);
      assert.equal(state.status, c.status);
      assert.equal(state.isSuspended, c.suspended);
    });
  }
});

describe('OrchestrationRuntimeState.rejectionOf', () => {
  const history = [
    ...started,
    taskScheduledEvent(1, { name: 'a' }, T0),
    taskScheduledEvent(2, { name: 'b' }, T0),
    timerCreatedEvent(3, T0 + 10, T0),
    subOrchestrationInstanceCreatedEvent(4, { instanceId: 'child', name: 'sub' }, T0),
    taskCompletedEvent(1, '1', T0),
  ];
  const cases: {
    name: string;
    event: HistoryEvent;
    expected: RejectionReason | undefined;
    on?: HistoryEvent[];
  }[] = [
    { name: 'a second start', event: started[1] as HistoryEvent, expected: 'duplicate-start' },
    {
      name: 'an event before the start',
      event: eventRaisedEvent('e', undefined, T0),
      expected: 'not-started',
      on: [],
    },
    { name: 'the first start', event: started[1] as HistoryEvent, expected: undefined, on: [] },
    { name: 'a result of a pending task', event: taskCompletedEvent(2, '2', T0), expected: undefined },
    { name: 'a second result', event: taskCompletedEvent(1, '1', T0), expected: 'duplicate-resolution' },
    {
      name: 'a failure after a result',
      event: taskFailedEvent(1, failure('late'), T0),
      expected: 'duplicate-resolution',
    },
    {
      name: 'a result of an unscheduled task',
      event: taskCompletedEvent(7, '7', T0),
      expected: 'unknown-task',
    },
    {
      name: 'a timer id resolved as an activity',
      event: taskCompletedEvent(3, '3', T0),
      expected: 'unknown-task',
    },
    { name: 'a fired timer', event: timerFiredEvent(3, T0 + 10, T0 + 10), expected: undefined },
    { name: 'a task id resolved as a timer', event: timerFiredEvent(2, T0, T0), expected: 'unknown-task' },
    {
      name: 'a child result',
      event: subOrchestrationInstanceCompletedEvent(4, 'r', T0),
      expected: undefined,
    },
    {
      name: 'a task id reused',
      event: taskScheduledEvent(2, { name: 'c' }, T0),
      expected: 'duplicate-task-id',
    },
    {
      name: 'a second completion',
      event: executionCompletedEvent(5, OrchestrationStatus.COMPLETED, undefined, undefined, T0),
      expected: 'duplicate-completion',
      on: [...started, executionCompletedEvent(5, OrchestrationStatus.COMPLETED, undefined, undefined, T0)],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(OrchestrationRuntimeState.fromHistory(c.on ?? history).rejectionOf(c.event), c.expected);
    });
  }
});

describe('OrchestrationRuntimeState pending work', () => {
  test('lists scheduled tasks, timers and children without a resolution, in order', () => {
    const state = OrchestrationRuntimeState.fromHistory([
      ...started,
      taskScheduledEvent(1, { name: 'done' }, T0),
      taskScheduledEvent(2, { name: 'open' }, T0),
      timerCreatedEvent(3, T0 + 5, T0),
      timerCreatedEvent(4, T0 + 9, T0),
      subOrchestrationInstanceCreatedEvent(5, { instanceId: 'c1', name: 'sub' }, T0),
      subOrchestrationInstanceCreatedEvent(6, { instanceId: 'c2', name: 'sub' }, T0),
      taskCompletedEvent(1, undefined, T0),
      timerFiredEvent(3, T0 + 5, T0 + 5),
      subOrchestrationInstanceCompletedEvent(6, undefined, T0),
    ]);
    assert.deepEqual(renderAll(state.pendingTasks), ['TaskScheduled#2(open)']);
    assert.deepEqual(renderAll(state.pendingTimers), ['TimerCreated#4']);
    assert.deepEqual(renderAll(state.pendingSubOrchestrations), ['SubOrchestrationCreated#5(c1)']);
    assert.equal(state.scheduledTask(5)?.kind, 'subOrchestration');
    assert.equal(state.resolutionOf(1)?.eventType.case, 'taskCompleted');
    assert.equal(state.resolutionOf(2), undefined);
  });
});

describe('OrchestrationRuntimeState.summary', () => {
  test('a running child instance', () => {
    const start = executionStartedEvent(
      {
        instanceId: 'child',
        executionId: 'e-7',
        name: 'sub',
        version: '2',
        input: '{"a":1}',
        tags: { team: 'x' },
        parent: { instanceId: 'parent', executionId: 'pe', name: 'orch', taskScheduledId: 4 },
      },
      T0 - 50,
    );
    const state = OrchestrationRuntimeState.fromHistory([
      orchestratorStartedEvent(T0),
      start,
      orchestratorStartedEvent(T0 + 100),
    ]);
    assert.deepEqual(state.summary('"busy"'), {
      name: 'sub',
      version: '2',
      executionId: 'e-7',
      status: OrchestrationStatus.RUNNING,
      input: '{"a":1}',
      customStatus: '"busy"',
      startedAt: T0,
      parentInstanceId: 'parent',
      tags: { team: 'x' },
    });
    assert.equal(state.createdAt, T0 - 50);
    assert.equal(state.lastUpdatedAt, T0 + 100);
    assert.equal(state.instanceId, 'child');
  });

  test('a failed instance carries output, failure and completion time', () => {
    const details = failure('boom');
    const state = OrchestrationRuntimeState.fromHistory([
      ...started,
      executionCompletedEvent(2, OrchestrationStatus.FAILED, '"partial"', details, T0 + 30),
    ]);
    const summary = state.summary();
    assert.equal(summary.status, OrchestrationStatus.FAILED);
    assert.equal(summary.output, '"partial"');
    assert.equal(summary.failureDetails?.errorMessage, 'boom');
    assert.equal(summary.completedAt, T0 + 30);
    assert.equal('customStatus' in summary, false);
  });

  test('an empty history is PENDING with no name', () => {
    assert.deepEqual(OrchestrationRuntimeState.fromHistory([]).summary(), {
      name: '',
      executionId: '',
      status: OrchestrationStatus.PENDING,
      tags: {},
    });
  });
});
