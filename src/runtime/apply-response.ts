import { clone, create } from '@bufbuild/protobuf';
import { OrchestrationStatus, statusName } from '../api/status.js';
import {
  ExecutionStartedEventSchema,
  OrchestrationInstanceSchema,
  TaskFailureDetailsSchema,
  type CompleteOrchestrationAction,
  type ExecutionTerminatedEvent,
  type HistoryEvent,
  type OrchestratorAction,
  type OrchestratorResponse,
  type TaskFailureDetails,
} from '../proto/orchestrator_service_pb.js';
import {
  applyAction,
  emptyOutbox,
  isUnsupportedAction,
  unsupportedActionFailure,
  type ActionContext,
} from './apply-actions.js';
import {
  eventOf,
  executionCompletedEvent,
  executionTerminatedEvent,
  historyEvent,
  orchestratorStartedEvent,
  subOrchestrationInstanceCompletedEvent,
  subOrchestrationInstanceFailedEvent,
} from './history-events.js';
import type { ExecutePlan } from './plan-turn.js';
import { rewindFollowUps } from './rewind.js';
import { OrchestrationRuntimeState } from './runtime-state.js';
import type { InstanceMessage, TurnResult } from './turn.js';

/**
 * The turn applier: turns an OrchestratorResponse into the TurnResult a backend commits.
 *
 * History of an ordinary turn: the stored history, then [OrchestratorStarted, ...processed inbox
 * events], then one event per action in order. No OrchestratorCompleted closes the turn: the
 * Durable Task Scheduler records none, and the SDKs' tests count the events of its histories.
 * Invariants:
 * - one completion: actions after the first completeOrchestration are ignored;
 * - no silent drops: an action the engine cannot carry out (an entity message, an unknown type)
 *   fails the orchestration with an UnsupportedAction error naming it;
 * - `numEventsProcessed` (when set) records only that prefix of the request's new events; the
 *   rest is requeued;
 * - terminate is enforced: with an ExecutionTerminated among the processed events, the result is
 *   an ExecutionCompleted(TERMINATED) whose output is the terminate's input, whatever the worker
 *   answered (a TERMINATED completion from the worker is accepted as it is); it wins over
 *   continue-as-new; with `recurse`, every running child gets an ExecutionTerminated too;
 * - a completed child tells its parent: SubOrchestrationInstanceCompleted for COMPLETED,
 *   SubOrchestrationInstanceFailed for any other end (the Go engine does the same);
 * - continue-as-new ends the turn with an empty history and requeues the next generation's
 *   ExecutionStarted (new execution id) and the carry-over events, so the next generation runs as
 *   its own turn: one generation per work item, never a tight loop inside one lease.
 */
export function applyResponse(plan: ExecutePlan, response: OrchestratorResponse, now: number): TurnResult {
  const processedCount = clamp(
    response.numEventsProcessed ?? plan.newEvents.length,
    1,
    plan.newEvents.length,
  );
  const processed = plan.newEvents.slice(0, processedCount);
  const unprocessed = plan.newEvents.slice(processedCount);
  const customStatus = response.customStatus;

  const state = OrchestrationRuntimeState.fromHistory(plan.pastEvents);
  for (const event of processed) state.append(event);
  const terminate = firstTerminate(processed);

  if (!terminate) {
    const rewind = response.actions.find(
      (action) => action.orchestratorActionType.case === 'rewindOrchestration',
    );
    if (rewind) return applyWorkerRewind(plan, rewind, unprocessed, customStatus, now);
  }

  const outbox = emptyOutbox();
  outbox.historyEvents.push(...processed);
  const context: ActionContext = { instanceId: plan.instanceId, state, now, newId: plan.newId, outbox };

  const completionIndex = response.actions.findIndex(
    (action) => action.orchestratorActionType.case === 'completeOrchestration',
  );
  const answered = completionOf(response.actions[completionIndex]);
  let completion: { readonly id: number; readonly action: CompletionFields } | undefined;
  if (terminate && answered?.action.orchestrationStatus !== OrchestrationStatus.TERMINATED) {
    // The worker ignored the terminate: the engine ends the instance and applies nothing else.
    completion = {
      id: -1,
      action: {
        orchestrationStatus: OrchestrationStatus.TERMINATED,
        result: terminate.input,
        failureDetails: undefined,
      },
    };
  } else {
    const applied = completionIndex >= 0 ? response.actions.slice(0, completionIndex) : response.actions;
    const unsupported = applied.find(isUnsupportedAction);
    if (unsupported) {
      // Never dropped silently: the orchestration fails, naming the action, and nothing of the
      // response is applied.
      completion = {
        id: -1,
        action: {
          orchestrationStatus: OrchestrationStatus.FAILED,
          result: undefined,
          failureDetails: unsupportedActionFailure(unsupported),
        },
      };
    } else {
      for (const action of applied) applyAction(context, action);
      completion = answered;
    }
  }

  if (completion?.action.orchestrationStatus === OrchestrationStatus.CONTINUED_AS_NEW) {
    return continueAsNew(plan, state, completion.action as CompleteOrchestrationAction, {
      messages: outbox.messages.filter((message) => message.event.eventType.case !== 'executionStarted'),
      unprocessed,
      customStatus,
      now,
    });
  }
  if (completion) complete(context, completion.id, completion.action);

  if (terminate?.recurse && state.isCompleted) {
    for (const created of state.pendingSubOrchestrations) {
      const child = eventOf(created, 'subOrchestrationInstanceCreated');
      if (child) {
        outbox.messages.push({
          targetInstanceId: child.instanceId,
          event: executionTerminatedEvent(terminate.input, true, now),
        });
      }
    }
  }

  return {
    instanceId: plan.instanceId,
    summary: state.summary(customStatus),
    historyEvents: outbox.historyEvents,
    historyReplaced: false,
    activities: outbox.activities,
    timers: outbox.timers,
    messages: outbox.messages,
    requeue: unprocessed,
  };
}

type CompletionFields = Pick<
  CompleteOrchestrationAction,
  'orchestrationStatus' | 'result' | 'failureDetails'
>;

const COMPLETION_STATUSES: ReadonlySet<OrchestrationStatus> = new Set([
  OrchestrationStatus.COMPLETED,
  OrchestrationStatus.FAILED,
  OrchestrationStatus.TERMINATED,
  OrchestrationStatus.CANCELED,
  OrchestrationStatus.CONTINUED_AS_NEW,
]);

/** The completion of an action; a status that cannot end an execution becomes a failure. */
function completionOf(
  action: OrchestratorAction | undefined,
): { readonly id: number; readonly action: CompletionFields } | undefined {
  if (action?.orchestratorActionType.case !== 'completeOrchestration') return undefined;
  const complete = action.orchestratorActionType.value;
  if (COMPLETION_STATUSES.has(complete.orchestrationStatus)) return { id: action.id, action: complete };
  return {
    id: action.id,
    action: {
      orchestrationStatus: OrchestrationStatus.FAILED,
      result: undefined,
      failureDetails: create(TaskFailureDetailsSchema, {
        errorType: 'InvalidCompletionStatus',
        errorMessage: `The orchestrator completed with status ${statusName(complete.orchestrationStatus)}, which cannot end an execution.`,
        isNonRetriable: true,
      }),
    },
  };
}

function complete(context: ActionContext, actionId: number, action: CompletionFields): void {
  const { state, now, outbox, instanceId } = context;
  const status = action.orchestrationStatus;
  const completed = executionCompletedEvent(actionId, status, action.result, action.failureDetails, now);
  state.append(completed);
  outbox.historyEvents.push(completed);

  const parent = state.parentInstance;
  const parentId = parent?.orchestrationInstance?.instanceId;
  if (!parent || !parentId) return;
  const event =
    status === OrchestrationStatus.COMPLETED
      ? subOrchestrationInstanceCompletedEvent(parent.taskScheduledId, action.result, now)
      : subOrchestrationInstanceFailedEvent(
          parent.taskScheduledId,
          action.failureDetails ?? endedWithoutDetails(instanceId, status, action.result),
          now,
        );
  outbox.messages.push({ targetInstanceId: parentId, event });
}

/** Failure details for a parent whose child ended (terminated) without any. */
function endedWithoutDetails(
  instanceId: string,
  status: OrchestrationStatus,
  reason: string | undefined,
): TaskFailureDetails {
  return create(TaskFailureDetailsSchema, {
    errorType: status === OrchestrationStatus.TERMINATED ? 'OrchestrationTerminated' : 'OrchestrationFailed',
    errorMessage:
      `Sub-orchestration '${instanceId}' ended with status ${statusName(status)}` +
      (reason !== undefined ? `: ${reason}` : '.'),
    isNonRetriable: true,
  });
}

interface ContinueAsNewExtras {
  /** Fire-and-forget messages (events sent, terminations) emitted before the continue-as-new. */
  readonly messages: readonly InstanceMessage[];
  readonly unprocessed: readonly HistoryEvent[];
  readonly customStatus: string | undefined;
  readonly now: number;
}

/**
 * The next generation: same name, tags and parent, the new input and a new execution id.
 * Activities, timers and sub-orchestrations started in the same response are dropped: their
 * results would reach a generation that never scheduled them.
 */
function continueAsNew(
  plan: ExecutePlan,
  state: OrchestrationRuntimeState,
  action: CompleteOrchestrationAction,
  extras: ContinueAsNewExtras,
): TurnResult {
  const { now } = extras;
  const previous = state.startEvent ?? create(ExecutionStartedEventSchema, { name: state.name });
  const started = clone(ExecutionStartedEventSchema, previous);
  started.orchestrationInstance = create(OrchestrationInstanceSchema, {
    instanceId: plan.instanceId,
    executionId: plan.newId(),
  });
  started.input = action.result;
  if (action.newVersion !== undefined) started.version = action.newVersion;
  started.tags = { ...previous.tags, ...action.tags };
  started.scheduledStartTimestamp = undefined;
  started.orchestrationSpanID = undefined;
  const startEvent = historyEvent({ case: 'executionStarted', value: started }, now);
  const next = OrchestrationRuntimeState.fromHistory([orchestratorStartedEvent(now), startEvent]);
  return {
    instanceId: plan.instanceId,
    summary: next.summary(extras.customStatus),
    historyEvents: [],
    historyReplaced: true,
    activities: [],
    timers: [],
    messages: [...extras.messages],
    requeue: [startEvent, ...action.carryoverEvents, ...extras.unprocessed],
  };
}

/** A worker answered an ExecutionRewound with the rewritten history: commit that history. */
function applyWorkerRewind(
  plan: ExecutePlan,
  action: OrchestratorAction,
  unprocessed: readonly HistoryEvent[],
  customStatus: string | undefined,
  now: number,
): TurnResult {
  const newHistory =
    action.orchestratorActionType.case === 'rewindOrchestration'
      ? action.orchestratorActionType.value.newHistory
      : [];
  const reason = newHistory
    .map((event) => eventOf(event, 'executionRewound'))
    .filter((rewound) => rewound !== undefined)
    .at(-1)?.reason;
  const input = { instanceId: plan.instanceId, now, ...(customStatus !== undefined && { customStatus }) };
  const result = rewindFollowUps(input, plan.pastEvents, newHistory, reason);
  return { ...result, requeue: [...result.requeue, ...unprocessed] };
}

function firstTerminate(events: readonly HistoryEvent[]): ExecutionTerminatedEvent | undefined {
  for (const event of events) {
    const terminated = eventOf(event, 'executionTerminated');
    if (terminated) return terminated;
  }
  return undefined;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}
