import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OrchestrationStatus } from '../api/status.js';
import {
  eventOf,
  eventRaisedEvent,
  executionCompletedEvent,
  executionRewoundEvent,
  orchestratorCompletedEvent,
  orchestratorStartedEvent,
  subOrchestrationInstanceCreatedEvent,
  subOrchestrationInstanceFailedEvent,
  taskCompletedEvent,
  taskFailedEvent,
  taskScheduledEvent,
  timerCreatedEvent,
} from './history-events.js';
import { applyResponse } from './apply-response.js';
import { planTurn } from './plan-turn.js';
import {
  actions,
  EXECUTION,
  failure,
  INSTANCE,
  render,
  renderAll,
  response,
  runTurn,
  startedHistory,
  T0,
} from './testing/histories.js';

const NOW = T0 + 5000;
const scheduledA = taskScheduledEvent(1, { name: 'a', input: '"ia"' }, T0);
const failedHistory = [
  ...startedHistory(),
  scheduledA,
  taskScheduledEvent(2, { name: 'b' }, T0),
  subOrchestrationInstanceCreatedEvent(3, { instanceId: 'kid', name: 'sub' }, T0),
  subOrchestrationInstanceCreatedEvent(4, { instanceId: 'kid-ok', name: 'sub' }, T0),
  timerCreatedEvent(5, T0 + 100, T0),
  orchestratorCompletedEvent(T0),
  orchestratorStartedEvent(T0 + 1),
  taskFailedEvent(1, failure('a broke'), T0 + 1),
  taskCompletedEvent(2, '"b"', T0 + 1),
  subOrchestrationInstanceFailedEvent(3, failure('kid broke'), T0 + 1),
  executionCompletedEvent(6, OrchestrationStatus.FAILED, undefined, failure('a broke'), T0 + 1),
  orchestratorCompletedEvent(T0 + 1),
];

describe('rewind of a FAILED instance (engine-driven)', () => {
  test('rewrites the history, requeues failed work, rewinds failed children, wakes the instance', () => {
    const late = taskCompletedEvent(2, '"b"', NOW);
    const after = eventRaisedEvent('after', undefined, NOW);
    const { plan, result } = runTurn({
      pastEvents: failedHistory,
      newEvents: [late, executionRewoundEvent('try again', NOW), after],
      now: NOW,
      customStatus: '"cs"',
    });
    assert.equal(plan.kind, 'commit', 'no user code runs');
    assert.deepEqual(
      plan.dropped.map((d) => [render(d.event), d.reason]),
      [['TaskCompleted(2)', 'instance-completed']],
    );
    assert.equal(result.historyReplaced, true);
    assert.deepEqual(renderAll(result.historyEvents), [
      'OrchestratorStarted',
      'ExecutionStarted(orch)',
      'TaskScheduled#1(a)',
      'TaskScheduled#2(b)',
      'SubOrchestrationCreated#3(kid)',
      'SubOrchestrationCreated#4(kid-ok)',
      'TimerCreated#5',
      'OrchestratorCompleted',
      'OrchestratorStarted',
      'TaskCompleted(2)',
      'OrchestratorCompleted',
      'OrchestratorStarted',
      'ExecutionRewound',
    ]);
    assert.deepEqual(
      result.activities.map((a) => [a.taskId, a.executionId, a.instanceId]),
      [[1, EXECUTION, INSTANCE]],
    );
    assert.equal(result.activities[0]?.event, scheduledA, 'the same TaskScheduled is queued again');
    assert.deepEqual(
      result.messages.map((m) => `${m.targetInstanceId} <- ${render(m.event)}`),
      ['kid <- ExecutionRewound'],
    );
    assert.equal(eventOf(result.messages[0]!.event, 'executionRewound')?.reason, 'try again');
    assert.deepEqual(
      result.timers.map((t) => [render(t.event), t.fireAt]),
      [['TimerFired(5)', T0 + 100]],
    );
    assert.deepEqual(renderAll(result.requeue), ['OrchestratorStarted', 'EventRaised(after)']);
    assert.equal(result.summary.status, OrchestrationStatus.RUNNING);
    assert.equal(result.summary.executionId, EXECUTION);
    assert.equal(result.summary.failureDetails, undefined);
    assert.equal(result.summary.completedAt, undefined);
    assert.equal(result.summary.customStatus, '"cs"');
  });

  test('after the rewind the activity result is accepted and the wake-up replays', () => {
    const rewound = runTurn({
      pastEvents: failedHistory,
      newEvents: [executionRewoundEvent(undefined, NOW)],
      now: NOW,
    }).result;
    const { plan, result } = runTurn(
      {
        pastEvents: rewound.historyEvents,
        newEvents: [...rewound.requeue, taskCompletedEvent(1, '"a"', NOW + 1)],
        now: NOW + 2,
      },
      response([actions.complete(7, OrchestrationStatus.COMPLETED, '"ok"')]),
    );
    assert.equal(plan.kind, 'execute');
    assert.deepEqual(renderAll(plan.kind === 'execute' ? plan.request.newEvents : []), [
      'OrchestratorStarted',
      'TaskCompleted(1)',
    ]);
    assert.equal(result.summary.status, OrchestrationStatus.COMPLETED);
  });

  const notRewindable = [OrchestrationStatus.COMPLETED, OrchestrationStatus.TERMINATED];
  for (const status of notRewindable) {
    test(`a ${OrchestrationStatus[status]} instance ignores the rewind`, () => {
      const past = [...startedHistory(), executionCompletedEvent(2, status, undefined, undefined, T0)];
      const { plan, result } = runTurn({
        pastEvents: past,
        newEvents: [executionRewoundEvent('x', NOW)],
        now: NOW,
      });
      assert.equal(plan.kind, 'commit');
      assert.equal(result.historyReplaced, false);
      assert.deepEqual(result.historyEvents, []);
      assert.deepEqual(result.requeue, []);
      assert.equal(result.summary.status, status);
    });
  }
});

describe('rewind answered by the worker (rewindOrchestration)', () => {
  test('commits the worker history and follows up on failed work', () => {
    const past = [
      ...failedHistory.slice(0, 8),
      orchestratorStartedEvent(T0 + 1),
      taskFailedEvent(1, failure('a broke'), T0 + 1),
      subOrchestrationInstanceFailedEvent(3, failure('kid broke'), T0 + 1),
      orchestratorCompletedEvent(T0 + 1),
    ];
    // Shaped like the SDKs' own rewind: the failed TaskScheduled and failures removed, the rewind kept.
    const newHistory = [
      ...past.filter(
        (e) =>
          e !== scheduledA &&
          !['taskFailed', 'subOrchestrationInstanceFailed'].includes(e.eventType.case ?? ''),
      ),
      orchestratorStartedEvent(NOW),
      executionRewoundEvent('worker', NOW),
    ];
    const plan = planTurn({
      instanceId: INSTANCE,
      pastEvents: past,
      newEvents: [eventRaisedEvent('seen', undefined, NOW), eventRaisedEvent('more', undefined, NOW)],
      now: NOW,
    });
    assert.ok(plan.kind === 'execute');
    const result = applyResponse(
      plan,
      response([actions.rewind(newHistory)], { numEventsProcessed: 2 }),
      NOW,
    );
    assert.equal(result.historyReplaced, true);
    assert.deepEqual(renderAll(result.historyEvents), renderAll(newHistory));
    assert.deepEqual(result.activities, [], 'the SDK schedules the activity again when it replays');
    assert.deepEqual(
      result.messages.map((m) => `${m.targetInstanceId} <- ${render(m.event)}`),
      ['kid <- ExecutionRewound'],
    );
    assert.equal(eventOf(result.messages[0]!.event, 'executionRewound')?.reason, 'worker');
    assert.deepEqual(renderAll(result.requeue), ['OrchestratorStarted', 'EventRaised(more)']);
    assert.equal(result.summary.status, OrchestrationStatus.RUNNING);
  });
});
