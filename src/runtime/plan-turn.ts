import { create } from '@bufbuild/protobuf';
import { OrchestrationStatus } from '../api/status.js';
import {
  OrchestratorRequestSchema,
  type HistoryEvent,
  type OrchestratorRequest,
} from '../proto/orchestrator_service_pb.js';
import { newExecutionId } from './execution-id.js';
import { orchestratorStartedEvent } from './history-events.js';
import { rewindTurn } from './rewind.js';
import { OrchestrationRuntimeState, type RejectionReason } from './runtime-state.js';
import type { TurnResult } from './turn.js';

/**
 * The turn planner: given an instance's stored history and the inbox events of one work item,
 * decide whether user code must run (an execute plan carrying the OrchestratorRequest) or the
 * turn can be committed as it is (a commit plan). Pure: the clock is `now`, ids come from
 * `newId`.
 *
 * Rules, in order:
 * - A completed instance is frozen: its new events are consumed and dropped, except an
 *   ExecutionRewound on a FAILED instance, which rewinds it (see rewind.ts).
 * - Inbox OrchestratorStarted events are wake-ups (a rewind asks for one replay): they are not
 *   recorded, the turn's own OrchestratorStarted(now) replaces them.
 * - Without a start in the history, the batch needs an ExecutionStarted (moved first); else the
 *   events are dropped.
 * - Duplicates are dropped: a second ExecutionStarted, a resolution of a task already resolved
 *   (in the history or earlier in the batch) or never scheduled, a scheduling event reusing a
 *   task id, an ExecutionRewound on a running instance, and completions/markers only the engine
 *   writes (ExecutionCompleted, OrchestratorCompleted).
 * - A suspended instance (after the batch's suspend/resume events) with no ExecutionTerminated
 *   in the batch only records the events; SDKs buffer events after ExecutionSuspended until the
 *   ExecutionResumed when they replay later.
 */

export interface TurnInput {
  readonly instanceId: string;
  /** The stored history of the current generation. */
  readonly pastEvents: readonly HistoryEvent[];
  /** The inbox events of this work item, in arrival order. */
  readonly newEvents: readonly HistoryEvent[];
  /** Epoch ms: the time of this turn's OrchestratorStarted and of every event the turn writes. */
  readonly now: number;
  /**
   * The instance's current custom status, when known. Commits that run no user code keep it; a
   * turn that runs user code takes the response's.
   */
  readonly customStatus?: string;
}

export interface TurnOptions {
  /** New execution ids (sub-orchestrations, continue-as-new). Default: newExecutionId (32 hex characters). */
  readonly newId?: () => string;
}

/** An inbox event the turn did not record, and why. */
export interface DroppedEvent {
  readonly event: HistoryEvent;
  readonly reason: RejectionReason | 'instance-completed' | 'not-rewindable' | 'engine-only';
}

/** User code must run: send `request` to the executor, then call applyResponse. */
export interface ExecutePlan {
  readonly kind: 'execute';
  readonly request: OrchestratorRequest;
  readonly instanceId: string;
  readonly pastEvents: readonly HistoryEvent[];
  /** This turn's OrchestratorStarted followed by the accepted inbox events (as in `request`). */
  readonly newEvents: readonly HistoryEvent[];
  readonly now: number;
  readonly newId: () => string;
  readonly dropped: readonly DroppedEvent[];
}

/** Nothing for user code to do: commit `result`. */
export interface CommitPlan {
  readonly kind: 'commit';
  readonly result: TurnResult;
  readonly dropped: readonly DroppedEvent[];
}

export type TurnPlan = ExecutePlan | CommitPlan;

/** Events only the engine writes into a history: never accepted from an inbox. */
const ENGINE_ONLY: ReadonlySet<HistoryEvent['eventType']['case']> = new Set([
  'executionCompleted',
  'orchestratorCompleted',
  'taskScheduled',
  'timerCreated',
  'subOrchestrationInstanceCreated',
  'eventSent',
]);

export function planTurn(input: TurnInput, options: TurnOptions = {}): TurnPlan {
  const state = OrchestrationRuntimeState.fromHistory(input.pastEvents);
  const dropped: DroppedEvent[] = [];

  if (state.isCompleted) return planCompleted(input, state);

  const inbox: HistoryEvent[] = [];
  let wakeUp = false;
  for (const event of input.newEvents) {
    if (event.eventType.case === 'orchestratorStarted') wakeUp = true;
    else inbox.push(event);
  }

  if (!state.isStarted) {
    const startIndex = inbox.findIndex((event) => event.eventType.case === 'executionStarted');
    if (startIndex < 0) {
      for (const event of inbox) dropped.push({ event, reason: 'not-started' });
      return { kind: 'commit', result: unchangedResult(input, state), dropped };
    }
    // A continue-as-new requeues the start followed by its carry-over, behind events that
    // arrived during that turn: move the start and everything after it first, so the carried
    // events keep their place ahead of later arrivals (FIFO per event name).
    inbox.unshift(...inbox.splice(startIndex));
  }

  const turnStarted = orchestratorStartedEvent(input.now);
  state.append(turnStarted);
  const accepted: HistoryEvent[] = [];
  let terminating = false;
  for (const event of inbox) {
    const reason = rejectionOf(state, event);
    if (reason) {
      dropped.push({ event, reason });
      continue;
    }
    state.append(event);
    accepted.push(event);
    if (event.eventType.case === 'executionTerminated') terminating = true;
  }

  if (accepted.length === 0 && !wakeUp) {
    return {
      kind: 'commit',
      result: unchangedResult(input, OrchestrationRuntimeState.fromHistory(input.pastEvents)),
      dropped,
    };
  }

  if (state.isSuspended && !terminating) {
    return {
      kind: 'commit',
      result: {
        ...emptyResult(input.instanceId, state.summary(input.customStatus)),
        historyEvents: [turnStarted, ...accepted],
      },
      dropped,
    };
  }

  const newEvents = [turnStarted, ...accepted];
  const request = create(OrchestratorRequestSchema, {
    instanceId: input.instanceId,
    executionId: state.executionId,
    pastEvents: [...input.pastEvents],
    newEvents,
  });
  return {
    kind: 'execute',
    request,
    instanceId: input.instanceId,
    pastEvents: input.pastEvents,
    newEvents,
    now: input.now,
    newId: options.newId ?? newExecutionId,
    dropped,
  };
}

function rejectionOf(
  state: OrchestrationRuntimeState,
  event: HistoryEvent,
): DroppedEvent['reason'] | undefined {
  if (ENGINE_ONLY.has(event.eventType.case)) return 'engine-only';
  if (event.eventType.case === 'executionRewound') return 'not-rewindable';
  return state.rejectionOf(event);
}

/** A frozen instance: only an ExecutionRewound on a FAILED one changes anything. */
function planCompleted(input: TurnInput, state: OrchestrationRuntimeState): CommitPlan {
  const rewindIndex = input.newEvents.findIndex((event) => event.eventType.case === 'executionRewound');
  if (state.status === OrchestrationStatus.FAILED && rewindIndex >= 0) {
    const dropped = input.newEvents
      .slice(0, rewindIndex)
      .map((event): DroppedEvent => ({ event, reason: 'instance-completed' }));
    return { kind: 'commit', result: rewindTurn(input, rewindIndex), dropped };
  }
  const dropped = input.newEvents.map((event): DroppedEvent => ({
    event,
    reason: event.eventType.case === 'executionRewound' ? 'not-rewindable' : 'instance-completed',
  }));
  return { kind: 'commit', result: unchangedResult(input, state), dropped };
}

/** A turn that consumes its inbox events and changes nothing else. */
function unchangedResult(input: TurnInput, state: OrchestrationRuntimeState): TurnResult {
  return emptyResult(input.instanceId, state.summary(input.customStatus));
}

export function emptyResult(instanceId: string, summary: TurnResult['summary']): TurnResult {
  return {
    instanceId,
    summary,
    historyEvents: [],
    historyReplaced: false,
    activities: [],
    timers: [],
    messages: [],
    requeue: [],
  };
}
