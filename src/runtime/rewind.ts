import type { HistoryEvent } from '../proto/orchestrator_service_pb.js';
import { eventOf, executionRewoundEvent, orchestratorStartedEvent } from './history-events.js';
import { rearmPendingTimers } from './durable-timers.js';
import { OrchestrationRuntimeState } from './runtime-state.js';
import type { ActivityTask, InstanceMessage, TurnResult } from './turn.js';

/**
 * Rewind of a FAILED instance, done by the engine so it works whatever the SDK (not every SDK
 * implements rewind). The history is rewritten, no user code runs in this turn:
 * - dropped: the ExecutionCompleted(FAILED), every TaskFailed and SubOrchestrationInstanceFailed;
 * - appended: this turn's OrchestratorStarted and the ExecutionRewound (kept for audit, as the
 *   SDKs' own rewind does);
 * - each activity whose failure was dropped is queued again (same task id, same TaskScheduled);
 * - each sub-orchestration whose failure was dropped receives an ExecutionRewound, so it rewinds
 *   too and reports back to this instance;
 * - each timer that has not fired is armed again (its TimerFired may have been dropped while the
 *   instance was frozen; a second one is dropped as a duplicate resolution);
 * - an OrchestratorStarted wake-up is requeued, so the orchestration replays once at once (needed
 *   when the failure came from orchestrator code and nothing else would start a turn).
 * The execution id is kept: results of work in flight still belong to this execution.
 *
 * Inbox events before the ExecutionRewound were for a frozen instance and are dropped; those
 * after it are requeued for the next turn.
 */

export interface RewindInput {
  readonly instanceId: string;
  readonly pastEvents: readonly HistoryEvent[];
  readonly newEvents: readonly HistoryEvent[];
  readonly now: number;
  readonly customStatus?: string;
}

/** The commit of a rewind; `rewindIndex` is the index of the ExecutionRewound in `newEvents`. */
export function rewindTurn(input: RewindInput, rewindIndex: number): TurnResult {
  const rewound = input.newEvents[rewindIndex];
  const reason = rewound ? eventOf(rewound, 'executionRewound')?.reason : undefined;
  const rewoundEvent = rewound ?? executionRewoundEvent(reason, input.now);
  const kept = input.pastEvents.filter((event) => !isFailureOfExecution(event));
  const newHistory = [...kept, orchestratorStartedEvent(input.now), rewoundEvent];
  const followUps = rewindFollowUps(input, input.pastEvents, newHistory, reason);
  return {
    ...followUps,
    requeue: [...followUps.requeue, ...input.newEvents.slice(rewindIndex + 1)],
  };
}

/**
 * The commit of a rewritten history (`newHistory`) replacing `failedHistory`: what to queue
 * again, which children to rewind, the wake-up. Shared by the engine's rewind and a worker's
 * `rewindOrchestration` answer.
 */
export function rewindFollowUps(
  input: Pick<RewindInput, 'instanceId' | 'now' | 'customStatus'>,
  failedHistory: readonly HistoryEvent[],
  newHistory: readonly HistoryEvent[],
  reason: string | undefined,
): TurnResult {
  const failedTasks = new Set<number>();
  const failedChildren = new Set<number>();
  for (const event of failedHistory) {
    const taskFailed = eventOf(event, 'taskFailed');
    if (taskFailed) failedTasks.add(taskFailed.taskScheduledId);
    const childFailed = eventOf(event, 'subOrchestrationInstanceFailed');
    if (childFailed) failedChildren.add(childFailed.taskScheduledId);
  }

  const state = OrchestrationRuntimeState.fromHistory(newHistory);
  const activities: ActivityTask[] = state.pendingTasks
    .filter((event) => failedTasks.has(event.eventId))
    .map((event) => ({
      instanceId: input.instanceId,
      executionId: state.executionId,
      taskId: event.eventId,
      event,
    }));
  const messages: InstanceMessage[] = [];
  for (const event of state.pendingSubOrchestrations) {
    const child = eventOf(event, 'subOrchestrationInstanceCreated');
    if (child && failedChildren.has(event.eventId)) {
      messages.push({ targetInstanceId: child.instanceId, event: executionRewoundEvent(reason, input.now) });
    }
  }
  const timers = rearmPendingTimers(input.instanceId, state.pendingTimers, input.now);

  return {
    instanceId: input.instanceId,
    summary: state.summary(input.customStatus),
    historyEvents: newHistory,
    historyReplaced: true,
    activities,
    timers,
    messages,
    requeue: [orchestratorStartedEvent(input.now)],
  };
}

function isFailureOfExecution(event: HistoryEvent): boolean {
  const type = event.eventType.case;
  return type === 'executionCompleted' || type === 'taskFailed' || type === 'subOrchestrationInstanceFailed';
}
