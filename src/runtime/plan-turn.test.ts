import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OrchestrationStatus } from '../api/status.js';
import type { HistoryEvent } from '../proto/orchestrator_service_pb.js';
import {
  eventRaisedEvent,
  executionResumedEvent,
  executionRewoundEvent,
  executionSuspendedEvent,
  executionTerminatedEvent,
  orchestratorStartedEvent,
  subOrchestrationInstanceCompletedEvent,
  subOrchestrationInstanceCreatedEvent,
  subOrchestrationInstanceFailedEvent,
  taskCompletedEvent,
  taskFailedEvent,
  timerCreatedEvent,
  timerFiredEvent,
} from './history-events.js';
import { planTurn, type DroppedEvent } from './plan-turn.js';
import {
  completedTurn,
  EXECUTION,
  failure,
  INSTANCE,
  renderAll,
  scheduledTurn,
  startedHistory,
  startEvent,
  T0,
} from './testing/histories.js';

const NOW = T0 + 1000;
const running = [...startedHistory(), ...scheduledTurn(1, 'a'), timerCreatedEvent(2, T0 + 500, T0)];
const withChild = [
  ...running,
  subOrchestrationInstanceCreatedEvent(3, { instanceId: 'kid', name: 'sub' }, T0),
];

interface Case {
  readonly name: string;
  readonly past: HistoryEvent[];
  readonly events: HistoryEvent[];
  /** Expected request newEvents (execute) or appended history (commit). */
  readonly expect:
    | { readonly kind: 'execute'; readonly newEvents: string[] }
    | { readonly kind: 'commit'; readonly history: string[]; readonly status: OrchestrationStatus };
  readonly dropped?: { readonly event: string; readonly reason: DroppedEvent['reason'] }[];
}

const cases: Case[] = [
  {
    name: 'first turn prepends OrchestratorStarted to the start',
    past: [],
    events: [startEvent()],
    expect: { kind: 'execute', newEvents: ['OrchestratorStarted', 'ExecutionStarted(orch)'] },
  },
  {
    name: 'a start that arrives behind other events is moved first',
    past: [],
    events: [eventRaisedEvent('early', '1', T0), startEvent()],
    expect: {
      kind: 'execute',
      newEvents: ['OrchestratorStarted', 'ExecutionStarted(orch)', 'EventRaised(early)'],
    },
  },
  {
    name: 'a requeued start keeps its carry-over ahead of events that arrived before the requeue',
    past: [],
    events: [eventRaisedEvent('late', '1', T0), startEvent(), eventRaisedEvent('carried', '2', T0)],
    expect: {
      kind: 'execute',
      newEvents: [
        'OrchestratorStarted',
        'ExecutionStarted(orch)',
        'EventRaised(carried)',
        'EventRaised(late)',
      ],
    },
  },
  {
    name: 'events without any start are dropped',
    past: [],
    events: [eventRaisedEvent('early', '1', T0)],
    expect: { kind: 'commit', history: [], status: OrchestrationStatus.PENDING },
    dropped: [{ event: 'EventRaised(early)', reason: 'not-started' }],
  },
  {
    name: 'a second start is dropped (one start per generation)',
    past: running,
    events: [startEvent(), taskCompletedEvent(1, '1', NOW)],
    expect: { kind: 'execute', newEvents: ['OrchestratorStarted', 'TaskCompleted(1)'] },
    dropped: [{ event: 'ExecutionStarted(orch)', reason: 'duplicate-start' }],
  },
  {
    name: 'a result already in the history is dropped',
    past: [...running, taskCompletedEvent(1, '1', T0)],
    events: [taskCompletedEvent(1, '1', NOW), timerFiredEvent(2, T0 + 500, NOW)],
    expect: { kind: 'execute', newEvents: ['OrchestratorStarted', 'TimerFired(2)'] },
    dropped: [{ event: 'TaskCompleted(1)', reason: 'duplicate-resolution' }],
  },
  {
    name: 'a second result in the same batch is dropped (completion then failure)',
    past: running,
    events: [taskCompletedEvent(1, '1', NOW), taskFailedEvent(1, failure('retry'), NOW)],
    expect: { kind: 'execute', newEvents: ['OrchestratorStarted', 'TaskCompleted(1)'] },
    dropped: [{ event: 'TaskFailed(1)', reason: 'duplicate-resolution' }],
  },
  {
    name: 'a timer firing twice is recorded once',
    past: running,
    events: [timerFiredEvent(2, T0 + 500, NOW), timerFiredEvent(2, T0 + 500, NOW)],
    expect: { kind: 'execute', newEvents: ['OrchestratorStarted', 'TimerFired(2)'] },
    dropped: [{ event: 'TimerFired(2)', reason: 'duplicate-resolution' }],
  },
  {
    name: 'a child reporting twice is recorded once',
    past: withChild,
    events: [
      subOrchestrationInstanceCompletedEvent(3, '"r"', NOW),
      subOrchestrationInstanceFailedEvent(3, failure('x'), NOW),
    ],
    expect: { kind: 'execute', newEvents: ['OrchestratorStarted', 'SubOrchestrationCompleted(3)'] },
    dropped: [{ event: 'SubOrchestrationFailed(3)', reason: 'duplicate-resolution' }],
  },
  {
    name: 'a result for a task never scheduled is dropped; nothing left means no turn',
    past: running,
    events: [taskCompletedEvent(42, '1', NOW)],
    expect: { kind: 'commit', history: [], status: OrchestrationStatus.RUNNING },
    dropped: [{ event: 'TaskCompleted(42)', reason: 'unknown-task' }],
  },
  {
    name: 'an OrchestratorStarted in the inbox is a wake-up: the turn runs with its own',
    past: running,
    events: [orchestratorStartedEvent(T0 + 1)],
    expect: { kind: 'execute', newEvents: ['OrchestratorStarted'] },
  },
  {
    name: 'a rewind of a running instance is dropped',
    past: running,
    events: [executionRewoundEvent('why', NOW)],
    expect: { kind: 'commit', history: [], status: OrchestrationStatus.RUNNING },
    dropped: [{ event: 'ExecutionRewound', reason: 'not-rewindable' }],
  },
  {
    name: 'a completed instance is frozen',
    past: [...running, ...completedTurn(OrchestrationStatus.COMPLETED)],
    events: [taskCompletedEvent(1, '1', NOW), eventRaisedEvent('late', undefined, NOW), startEvent()],
    expect: { kind: 'commit', history: [], status: OrchestrationStatus.COMPLETED },
    dropped: [
      { event: 'TaskCompleted(1)', reason: 'instance-completed' },
      { event: 'EventRaised(late)', reason: 'instance-completed' },
      { event: 'ExecutionStarted(orch)', reason: 'instance-completed' },
    ],
  },
  {
    name: 'a rewind of a terminated instance is dropped',
    past: [...running, ...completedTurn(OrchestrationStatus.TERMINATED)],
    events: [executionRewoundEvent('why', NOW)],
    expect: { kind: 'commit', history: [], status: OrchestrationStatus.TERMINATED },
    dropped: [{ event: 'ExecutionRewound', reason: 'not-rewindable' }],
  },
  {
    name: 'a suspend only records the events that follow it',
    past: running,
    events: [
      executionSuspendedEvent('pause', NOW),
      eventRaisedEvent('x', '1', NOW),
      taskCompletedEvent(1, '1', NOW),
    ],
    expect: {
      kind: 'commit',
      history: ['OrchestratorStarted', 'ExecutionSuspended', 'EventRaised(x)', 'TaskCompleted(1)'],
      status: OrchestrationStatus.SUSPENDED,
    },
  },
  {
    name: 'a suspended instance only records, still without duplicates',
    past: [...running, executionSuspendedEvent('pause', T0)],
    events: [timerFiredEvent(2, T0 + 500, NOW), timerFiredEvent(2, T0 + 500, NOW)],
    expect: {
      kind: 'commit',
      history: ['OrchestratorStarted', 'TimerFired(2)'],
      status: OrchestrationStatus.SUSPENDED,
    },
    dropped: [{ event: 'TimerFired(2)', reason: 'duplicate-resolution' }],
  },
  {
    name: 'a suspended start is recorded without running user code',
    past: [],
    events: [startEvent(), executionSuspendedEvent(undefined, NOW)],
    expect: {
      kind: 'commit',
      history: ['OrchestratorStarted', 'ExecutionStarted(orch)', 'ExecutionSuspended'],
      status: OrchestrationStatus.SUSPENDED,
    },
  },
  {
    name: 'suspend then resume in one batch runs user code',
    past: running,
    events: [
      executionSuspendedEvent(undefined, NOW),
      eventRaisedEvent('x', '1', NOW),
      executionResumedEvent(undefined, NOW),
    ],
    expect: {
      kind: 'execute',
      newEvents: ['OrchestratorStarted', 'ExecutionSuspended', 'EventRaised(x)', 'ExecutionResumed'],
    },
  },
  {
    name: 'a resume of a suspended instance runs user code',
    past: [...running, executionSuspendedEvent(undefined, T0), eventRaisedEvent('x', '1', T0)],
    events: [executionResumedEvent(undefined, NOW)],
    expect: { kind: 'execute', newEvents: ['OrchestratorStarted', 'ExecutionResumed'] },
  },
  {
    name: 'a terminate of a suspended instance runs (and is enforced by the applier)',
    past: [...running, executionSuspendedEvent(undefined, T0)],
    events: [executionTerminatedEvent('"stop"', false, NOW)],
    expect: { kind: 'execute', newEvents: ['OrchestratorStarted', 'ExecutionTerminated'] },
  },
  {
    name: 'completions and scheduling events in an inbox are dropped (only the engine writes them)',
    past: running,
    events: [...completedTurn(OrchestrationStatus.COMPLETED, NOW).slice(1), eventRaisedEvent('x', '1', NOW)],
    expect: { kind: 'execute', newEvents: ['OrchestratorStarted', 'EventRaised(x)'] },
    dropped: [
      { event: 'ExecutionCompleted(COMPLETED)', reason: 'engine-only' },
      { event: 'OrchestratorCompleted', reason: 'engine-only' },
    ],
  },
];

describe('planTurn', () => {
  for (const c of cases) {
    test(c.name, () => {
      const plan = planTurn({ instanceId: INSTANCE, pastEvents: c.past, newEvents: c.events, now: NOW });
      assert.equal(plan.kind, c.expect.kind);
      if (plan.kind === 'execute' && c.expect.kind === 'execute') {
        assert.deepEqual(renderAll(plan.request.newEvents), c.expect.newEvents);
        assert.deepEqual(plan.request.pastEvents, c.past);
        assert.equal(plan.request.instanceId, INSTANCE);
        assert.equal(plan.request.executionId, EXECUTION);
        assert.equal(plan.request.newEvents[0]?.timestamp?.seconds, BigInt(NOW / 1000));
      } else if (plan.kind === 'commit' && c.expect.kind === 'commit') {
        assert.deepEqual(renderAll(plan.result.historyEvents), c.expect.history);
        assert.equal(plan.result.historyReplaced, false);
        assert.equal(plan.result.summary.status, c.expect.status);
        assert.deepEqual(plan.result.activities, []);
        assert.deepEqual(plan.result.timers, []);
        assert.deepEqual(plan.result.messages, []);
        assert.deepEqual(plan.result.requeue, []);
      }
      assert.deepEqual(
        plan.dropped.map((d) => ({ event: renderAll([d.event])[0], reason: d.reason })),
        c.dropped ?? [],
      );
    });
  }

  test('commits that run no user code keep the known custom status', () => {
    const plan = planTurn({
      instanceId: INSTANCE,
      pastEvents: [...running, ...completedTurn(OrchestrationStatus.COMPLETED)],
      newEvents: [eventRaisedEvent('late', undefined, NOW)],
      now: NOW,
      customStatus: '"kept"',
    });
    assert.equal(plan.kind, 'commit');
    assert.equal(plan.kind === 'commit' && plan.result.summary.customStatus, '"kept"');
  });

  test('the first turn of a suspended start reports startedAt and the start fields', () => {
    const plan = planTurn({
      instanceId: INSTANCE,
      pastEvents: [],
      newEvents: [startEvent({ tags: { a: 'b' } }), executionSuspendedEvent(undefined, NOW)],
      now: NOW,
    });
    assert.ok(plan.kind === 'commit');
    assert.equal(plan.result.summary.startedAt, NOW);
    assert.equal(plan.result.summary.name, 'orch');
    assert.equal(plan.result.summary.executionId, EXECUTION);
    assert.deepEqual(plan.result.summary.tags, { a: 'b' });
  });
});
