import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OrchestrationStatus } from '../api/status.js';
import type { HistoryEvent } from '../proto/orchestrator_service_pb.js';
import { defaultChildInstanceId } from './apply-actions.js';
import {
  eventOf,
  eventRaisedEvent,
  eventTime,
  executionStartedEvent,
  executionSuspendedEvent,
  executionTerminatedEvent,
  orchestratorStartedEvent,
  subOrchestrationInstanceCompletedEvent,
  subOrchestrationInstanceCreatedEvent,
  taskCompletedEvent,
} from './history-events.js';
import { OrchestrationRuntimeState } from './runtime-state.js';
import {
  actions,
  EXECUTION,
  failure,
  INSTANCE,
  render,
  renderAll,
  response,
  runTurn,
  scheduledTurn,
  startedHistory,
  startEvent,
  T0,
} from './testing/histories.js';
import type { InstanceMessage, TurnResult } from './turn.js';

const NOW = T0 + 1000;
const running = [...startedHistory(), ...scheduledTurn(1, 'a')];
const childOfParent = [
  orchestratorStartedEvent(T0),
  executionStartedEvent(
    {
      instanceId: INSTANCE,
      executionId: EXECUTION,
      name: 'sub',
      parent: { instanceId: 'parent', executionId: 'pe', name: 'orch', taskScheduledId: 7 },
    },
    T0,
  ),
  ...scheduledTurn(1, 'a'),
];

function renderMessages(messages: readonly InstanceMessage[]): string[] {
  return messages.map((m) => `${m.targetInstanceId} <- ${render(m.event)}`);
}

function appended(result: TurnResult): string[] {
  return renderAll(result.historyEvents);
}

describe('applyResponse: one action each', () => {
  test('scheduleTask records TaskScheduled with the action id and queues the activity', () => {
    const { result } = runTurn(
      { pastEvents: running, newEvents: [taskCompletedEvent(1, '1', NOW)], now: NOW },
      response([actions.scheduleTask(2, 'next', '"x"')]),
    );
    assert.deepEqual(appended(result), [
      'OrchestratorStarted',
      'TaskCompleted(1)',
      'TaskScheduled#2(next)',
    ]);
    assert.equal(result.activities.length, 1);
    const [activity] = result.activities;
    assert.equal(activity?.taskId, 2);
    assert.equal(activity?.executionId, EXECUTION);
    assert.equal(activity?.instanceId, INSTANCE);
    assert.equal(activity?.event, result.historyEvents[2]);
    assert.equal(eventOf(activity.event, 'taskScheduled')?.input, '"x"');
    assert.equal(result.summary.status, OrchestrationStatus.RUNNING);
  });

  test('createTimer records TimerCreated and arms a TimerFired at fireAt', () => {
    const { result } = runTurn(
      { pastEvents: running, newEvents: [taskCompletedEvent(1, '1', NOW)], now: NOW },
      response([actions.createTimer(2, NOW + 60_000)]),
    );
    assert.deepEqual(appended(result).slice(2, 3), ['TimerCreated#2']);
    assert.equal(result.timers.length, 1);
    assert.equal(result.timers[0]?.fireAt, NOW + 60_000);
    assert.equal(result.timers[0]?.instanceId, INSTANCE);
    assert.equal(render(result.timers[0].event), 'TimerFired(2)');
  });

  const childIdCases = [
    { name: 'an explicit child id is kept', id: 3, given: 'my-child', expected: 'my-child' },
    { name: 'a missing child id defaults to parent:0003', id: 3, given: '', expected: `${INSTANCE}:0003` },
    { name: 'the default id is hexadecimal', id: 26, given: '', expected: `${INSTANCE}:001a` },
  ];
  for (const c of childIdCases) {
    test(`createSubOrchestration: ${c.name}`, () => {
      const { result } = runTurn(
        { pastEvents: running, newEvents: [taskCompletedEvent(1, '1', NOW)], now: NOW },
        response([actions.createSubOrchestration(c.id, 'sub', c.given, '"in"')]),
        () => 'child-exec',
      );
      assert.deepEqual(appended(result).slice(2, 3), [`SubOrchestrationCreated#${c.id}(${c.expected})`]);
      assert.deepEqual(renderMessages(result.messages), [`${c.expected} <- ExecutionStarted(sub)`]);
      const started = eventOf(result.messages[0]!.event, 'executionStarted');
      assert.equal(started?.orchestrationInstance?.instanceId, c.expected);
      assert.equal(started?.orchestrationInstance?.executionId, 'child-exec');
      assert.equal(started?.input, '"in"');
      assert.equal(started?.parentInstance?.taskScheduledId, c.id);
      assert.equal(started?.parentInstance?.name, 'orch');
      assert.equal(started?.parentInstance?.orchestrationInstance?.instanceId, INSTANCE);
      assert.equal(started?.parentInstance?.orchestrationInstance?.executionId, EXECUTION);
    });
  }

  test('defaultChildInstanceId matches the Go engine format', () => {
    assert.equal(defaultChildInstanceId('p', 0), 'p:0000');
    assert.equal(defaultChildInstanceId('p', 0x12345), 'p:12345');
  });

  test('sendEvent records EventSent and raises the event at the target', () => {
    const { result } = runTurn(
      { pastEvents: running, newEvents: [taskCompletedEvent(1, '1', NOW)], now: NOW },
      response([actions.sendEvent(2, 'other', 'ping', '"data"')]),
    );
    assert.deepEqual(appended(result).slice(2, 3), ['EventSent#2(other,ping)']);
    assert.deepEqual(renderMessages(result.messages), ['other <- EventRaised(ping)']);
    assert.equal(eventOf(result.messages[0]!.event, 'eventRaised')?.input, '"data"');
  });

  test('terminateOrchestration sends ExecutionTerminated with the recurse flag', () => {
    const { result } = runTurn(
      { pastEvents: running, newEvents: [taskCompletedEvent(1, '1', NOW)], now: NOW },
      response([actions.terminate(2, 'other', '"why"', true)]),
    );
    assert.deepEqual(renderMessages(result.messages), ['other <- ExecutionTerminated(recurse)']);
    assert.equal(eventOf(result.messages[0]!.event, 'executionTerminated')?.input, '"why"');
  });

  test('a scheduling action whose id is already in the history is not applied twice', () => {
    const { result } = runTurn(
      { pastEvents: running, newEvents: [eventRaisedEvent('e', undefined, NOW)], now: NOW },
      response([actions.scheduleTask(1, 'a')]),
    );
    assert.deepEqual(appended(result), ['OrchestratorStarted', 'EventRaised(e)']);
    assert.deepEqual(result.activities, []);
  });
});

describe('applyResponse: completion', () => {
  const completionCases: {
    name: string;
    past: HistoryEvent[];
    status: OrchestrationStatus;
    parentMessage: string[];
  }[] = [
    {
      name: 'COMPLETED without parent',
      past: running,
      status: OrchestrationStatus.COMPLETED,
      parentMessage: [],
    },
    {
      name: 'COMPLETED child tells its parent',
      past: childOfParent,
      status: OrchestrationStatus.COMPLETED,
      parentMessage: ['parent <- SubOrchestrationCompleted(7)'],
    },
    {
      name: 'FAILED child tells its parent',
      past: childOfParent,
      status: OrchestrationStatus.FAILED,
      parentMessage: ['parent <- SubOrchestrationFailed(7)'],
    },
    {
      name: 'TERMINATED child tells its parent it failed',
      past: childOfParent,
      status: OrchestrationStatus.TERMINATED,
      parentMessage: ['parent <- SubOrchestrationFailed(7)'],
    },
  ];
  for (const c of completionCases) {
    test(c.name, () => {
      const details = c.status === OrchestrationStatus.FAILED ? failure('bad') : undefined;
      const { result } = runTurn(
        { pastEvents: c.past, newEvents: [taskCompletedEvent(1, '1', NOW)], now: NOW },
        response([actions.complete(5, c.status, '"out"', details ? { failureDetails: details } : {})], {
          customStatus: '"cs"',
        }),
      );
      assert.deepEqual(appended(result), [
        'OrchestratorStarted',
        'TaskCompleted(1)',
        `ExecutionCompleted(${OrchestrationStatus[c.status]})`,
      ]);
      assert.equal(result.historyEvents[2]?.eventId, 5);
      assert.deepEqual(renderMessages(result.messages), c.parentMessage);
      assert.equal(result.summary.status, c.status);
      assert.equal(result.summary.output, '"out"');
      assert.equal(result.summary.customStatus, '"cs"');
      assert.equal(result.summary.completedAt, NOW);
      const toParent = result.messages[0]?.event;
      if (toParent && c.status === OrchestrationStatus.COMPLETED) {
        assert.equal(eventOf(toParent, 'subOrchestrationInstanceCompleted')?.result, '"out"');
      } else if (toParent) {
        const failed = eventOf(toParent, 'subOrchestrationInstanceFailed');
        assert.ok(failed?.failureDetails, 'the parent learns why');
        if (details) assert.equal(failed.failureDetails.errorMessage, 'bad');
      }
    });
  }

  test('one completion: actions after the first completion are ignored', () => {
    const { result } = runTurn(
      { pastEvents: running, newEvents: [taskCompletedEvent(1, '1', NOW)], now: NOW },
      response([
        actions.scheduleTask(2, 'before'),
        actions.complete(3, OrchestrationStatus.COMPLETED, '"first"'),
        actions.scheduleTask(4, 'after'),
        actions.complete(5, OrchestrationStatus.FAILED, undefined, { failureDetails: failure('second') }),
      ]),
    );
    assert.deepEqual(appended(result), [
      'OrchestratorStarted',
      'TaskCompleted(1)',
      'TaskScheduled#2(before)',
      'ExecutionCompleted(COMPLETED)',
    ]);
    assert.deepEqual(
      result.activities.map((a) => a.taskId),
      [2],
    );
    assert.equal(result.summary.output, '"first"');
  });

  test('a completion with a status that cannot end an execution becomes a failure', () => {
    const { result } = runTurn(
      { pastEvents: running, newEvents: [taskCompletedEvent(1, '1', NOW)], now: NOW },
      response([actions.complete(2, OrchestrationStatus.RUNNING)]),
    );
    assert.equal(result.summary.status, OrchestrationStatus.FAILED);
    assert.match(result.summary.failureDetails?.errorMessage ?? '', /RUNNING/);
  });

  test('numEventsProcessed records the processed prefix and requeues the rest', () => {
    const events = [
      taskCompletedEvent(1, '1', NOW),
      eventRaisedEvent('a', undefined, NOW),
      eventRaisedEvent('b', undefined, NOW),
    ];
    const { result } = runTurn(
      { pastEvents: running, newEvents: events, now: NOW },
      response([actions.scheduleTask(2, 'x')], { numEventsProcessed: 2 }),
    );
    assert.deepEqual(appended(result), [
      'OrchestratorStarted',
      'TaskCompleted(1)',
      'TaskScheduled#2(x)',
    ]);
    assert.deepEqual(renderAll(result.requeue), ['EventRaised(a)', 'EventRaised(b)']);
  });

  test('a whole lifecycle replays into the expected summary', () => {
    const history: HistoryEvent[] = [];
    const commit = (result: TurnResult) => {
      if (result.historyReplaced) history.length = 0;
      history.push(...result.historyEvents);
    };
    commit(
      runTurn(
        { pastEvents: [], newEvents: [startEvent()], now: T0 },
        response([actions.scheduleTask(1, 'a')]),
      ).result,
    );
    commit(
      runTurn(
        { pastEvents: [...history], newEvents: [taskCompletedEvent(1, '"r"', T0 + 5)], now: T0 + 10 },
        response([actions.complete(2, OrchestrationStatus.COMPLETED, '"done"')]),
      ).result,
    );
    assert.deepEqual(renderAll(history), [
      'OrchestratorStarted',
      'ExecutionStarted(orch)',
      'TaskScheduled#1(a)',
      'OrchestratorStarted',
      'TaskCompleted(1)',
      'ExecutionCompleted(COMPLETED)',
    ]);
    const summary = OrchestrationRuntimeState.fromHistory(history).summary();
    assert.equal(summary.status, OrchestrationStatus.COMPLETED);
    assert.equal(summary.startedAt, T0);
    assert.equal(summary.completedAt, T0 + 10);
    assert.equal(summary.output, '"done"');
  });
});

describe('applyResponse: continue-as-new', () => {
  const carried = eventRaisedEvent('carried', '"c"', T0);
  const past = [...startedHistory({ tags: { t: '1' }, version: 'v1' }), ...scheduledTurn(1, 'a')];

  test('starts the next generation as its own turn with a new execution id and the carry-over', () => {
    const { result } = runTurn(
      {
        pastEvents: past,
        newEvents: [taskCompletedEvent(1, '1', NOW), eventRaisedEvent('later', undefined, NOW)],
        now: NOW,
      },
      response(
        [
          actions.scheduleTask(2, 'dropped'),
          actions.sendEvent(3, 'other', 'bye'),
          actions.complete(4, OrchestrationStatus.CONTINUED_AS_NEW, '"next"', { carryoverEvents: [carried] }),
          actions.scheduleTask(5, 'ignored'),
        ],
        { numEventsProcessed: 2, customStatus: '"gen2"' },
      ),
      () => 'exec-2',
    );
    assert.equal(result.historyReplaced, true);
    assert.deepEqual(result.historyEvents, []);
    assert.deepEqual(renderAll(result.requeue), [
      'ExecutionStarted(orch)',
      'EventRaised(carried)',
      'EventRaised(later)',
    ]);
    const next = eventOf(result.requeue[0]!, 'executionStarted');
    assert.equal(next?.orchestrationInstance?.executionId, 'exec-2');
    assert.equal(next?.orchestrationInstance?.instanceId, INSTANCE);
    assert.equal(next?.input, '"next"');
    assert.equal(next?.version, 'v1');
    assert.deepEqual(next?.tags, { t: '1' });
    assert.equal(eventTime(result.requeue[0]!), NOW);
    assert.deepEqual(result.activities, [], 'work of the old generation is not started');
    assert.deepEqual(result.timers, []);
    assert.deepEqual(renderMessages(result.messages), ['other <- EventRaised(bye)']);
    assert.equal(result.summary.status, OrchestrationStatus.RUNNING);
    assert.equal(result.summary.executionId, 'exec-2');
    assert.equal(result.summary.input, '"next"');
    assert.equal(result.summary.customStatus, '"gen2"');
    assert.equal(result.summary.output, undefined);
  });

  test('keeps the parent of a child across generations, and the next turn runs it', () => {
    const { result } = runTurn(
      { pastEvents: childOfParent, newEvents: [taskCompletedEvent(1, '1', NOW)], now: NOW },
      response([actions.complete(2, OrchestrationStatus.CONTINUED_AS_NEW, '"n"')]),
      () => 'exec-2',
    );
    const next = eventOf(result.requeue[0]!, 'executionStarted');
    assert.equal(next?.parentInstance?.taskScheduledId, 7);
    assert.equal(result.summary.parentInstanceId, 'parent');
    assert.deepEqual(
      renderMessages(result.messages),
      [],
      'the parent hears nothing until the last generation ends',
    );

    const { plan } = runTurn({ pastEvents: [], newEvents: [...result.requeue], now: NOW + 1 });
    assert.equal(plan.kind, 'execute');
    assert.equal(plan.kind === 'execute' && plan.request.executionId, 'exec-2');
  });
});

describe('applyResponse: terminate', () => {
  const terminated = executionTerminatedEvent('"stop"', false, NOW);
  const answers: { name: string; actions: ReturnType<typeof actions.scheduleTask>[]; output: string }[] = [
    { name: 'no answer', actions: [], output: '"stop"' },
    {
      name: 'other actions',
      actions: [actions.scheduleTask(2, 'more'), actions.createTimer(3, NOW + 5)],
      output: '"stop"',
    },
    {
      name: 'continue-as-new',
      actions: [actions.complete(2, OrchestrationStatus.CONTINUED_AS_NEW, '"x"')],
      output: '"stop"',
    },
    {
      name: 'a COMPLETED completion',
      actions: [actions.complete(2, OrchestrationStatus.COMPLETED, '"x"')],
      output: '"stop"',
    },
  ];
  for (const answer of answers) {
    test(`is enforced when the worker answers ${answer.name}`, () => {
      const { result } = runTurn(
        { pastEvents: running, newEvents: [terminated], now: NOW },
        response(answer.actions),
      );
      assert.equal(result.historyReplaced, false);
      assert.deepEqual(appended(result), [
        'OrchestratorStarted',
        'ExecutionTerminated',
        'ExecutionCompleted(TERMINATED)',
      ]);
      assert.equal(result.historyEvents[2]?.eventId, -1);
      assert.equal(result.summary.status, OrchestrationStatus.TERMINATED);
      assert.equal(result.summary.output, answer.output);
      assert.deepEqual(result.activities, []);
      assert.deepEqual(result.timers, []);
      assert.deepEqual(result.requeue, []);
    });
  }

  test('the cooperative TERMINATED completion is accepted as it is', () => {
    const { result } = runTurn(
      { pastEvents: running, newEvents: [terminated], now: NOW },
      response([
        actions.sendEvent(2, 'audit', 'bye'),
        actions.complete(3, OrchestrationStatus.TERMINATED, '"stop"'),
      ]),
    );
    assert.deepEqual(appended(result), [
      'OrchestratorStarted',
      'ExecutionTerminated',
      'EventSent#2(audit,bye)',
      'ExecutionCompleted(TERMINATED)',
    ]);
    assert.equal(result.historyEvents[3]?.eventId, 3);
    assert.deepEqual(renderMessages(result.messages), ['audit <- EventRaised(bye)']);
  });

  test('terminating a suspended instance works', () => {
    const { plan, result } = runTurn(
      { pastEvents: [...running, executionSuspendedEvent(undefined, T0)], newEvents: [terminated], now: NOW },
      response([]),
    );
    assert.equal(plan.kind, 'execute');
    assert.equal(result.summary.status, OrchestrationStatus.TERMINATED);
  });

  test('a terminated child tells its parent', () => {
    const { result } = runTurn(
      { pastEvents: childOfParent, newEvents: [terminated], now: NOW },
      response([]),
    );
    assert.deepEqual(renderMessages(result.messages), ['parent <- SubOrchestrationFailed(7)']);
  });

  const withChildren = [
    ...running,
    subOrchestrationInstanceCreatedEvent(2, { instanceId: 'c-run', name: 'sub' }, T0),
    subOrchestrationInstanceCreatedEvent(3, { instanceId: 'c-done', name: 'sub' }, T0),
    subOrchestrationInstanceCreatedEvent(4, { instanceId: 'c-run2', name: 'sub' }, T0),
    subOrchestrationInstanceCompletedEvent(3, undefined, T0),
  ];
  const recurseCases = [
    {
      recurse: true,
      expected: ['c-run <- ExecutionTerminated(recurse)', 'c-run2 <- ExecutionTerminated(recurse)'],
    },
    { recurse: false, expected: [] },
  ];
  for (const c of recurseCases) {
    test(`recurse=${c.recurse} terminates ${c.expected.length} running children`, () => {
      const { result } = runTurn(
        { pastEvents: withChildren, newEvents: [executionTerminatedEvent('"r"', c.recurse, NOW)], now: NOW },
        response([]),
      );
      assert.deepEqual(renderMessages(result.messages), c.expected);
      for (const message of result.messages) {
        assert.equal(eventOf(message.event, 'executionTerminated')?.input, '"r"');
      }
    });
  }
});
