import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { OrchestrationStatus } from '../../api/status.js';
import { statusName } from '../../api/status.js';
import {
  OrchestratorActionSchema,
  OrchestratorResponseSchema,
  TaskFailureDetailsSchema,
  type HistoryEvent,
  type OrchestratorAction,
  type OrchestratorResponse,
  type TaskFailureDetails,
} from '../../proto/orchestrator_service_pb.js';
import { applyResponse } from '../apply-response.js';
import {
  executionCompletedEvent,
  executionStartedEvent,
  orchestratorCompletedEvent,
  orchestratorStartedEvent,
  taskScheduledEvent,
  type ExecutionStartedInit,
} from '../history-events.js';
import { planTurn, type TurnInput, type TurnPlan } from '../plan-turn.js';
import type { TurnResult } from '../turn.js';

/** Test helpers for runtime tables: compact event rendering, action and history builders. */

export const INSTANCE = 'inst';
export const EXECUTION = 'exec-1';
export const T0 = 1_700_000_000_000;

/** Deterministic execution ids: id-1, id-2, ... */
export function sequentialIds(prefix = 'id'): () => string {
  let next = 0;
  return () => `${prefix}-${++next}`;
}

/** One line per event, e.g. `TaskScheduled#1(greet)`, `TaskCompleted(1)`, `ExecutionCompleted(FAILED)`. */
export function render(event: HistoryEvent): string {
  const type = event.eventType;
  switch (type.case) {
    case 'executionStarted':
      return `ExecutionStarted(${type.value.name})`;
    case 'executionCompleted':
      return `ExecutionCompleted(${statusName(type.value.orchestrationStatus)})`;
    case 'executionTerminated':
      return `ExecutionTerminated${type.value.recurse ? '(recurse)' : ''}`;
    case 'taskScheduled':
      return `TaskScheduled#${event.eventId}(${type.value.name})`;
    case 'taskCompleted':
      return `TaskCompleted(${type.value.taskScheduledId})`;
    case 'taskFailed':
      return `TaskFailed(${type.value.taskScheduledId})`;
    case 'subOrchestrationInstanceCreated':
      return `SubOrchestrationCreated#${event.eventId}(${type.value.instanceId})`;
    case 'subOrchestrationInstanceCompleted':
      return `SubOrchestrationCompleted(${type.value.taskScheduledId})`;
    case 'subOrchestrationInstanceFailed':
      return `SubOrchestrationFailed(${type.value.taskScheduledId})`;
    case 'timerCreated':
      return `TimerCreated#${event.eventId}`;
    case 'timerFired':
      return `TimerFired(${type.value.timerId})`;
    case 'eventSent':
      return `EventSent#${event.eventId}(${type.value.instanceId},${type.value.name})`;
    case 'eventRaised':
      return `EventRaised(${type.value.name})`;
    case 'orchestratorStarted':
      return 'OrchestratorStarted';
    case 'orchestratorCompleted':
      return 'OrchestratorCompleted';
    case 'executionSuspended':
      return 'ExecutionSuspended';
    case 'executionResumed':
      return 'ExecutionResumed';
    case 'executionRewound':
      return 'ExecutionRewound';
    case 'continueAsNew':
    case 'genericEvent':
    case 'historyState':
    case 'entityOperationSignaled':
    case 'entityOperationCalled':
    case 'entityOperationCompleted':
    case 'entityOperationFailed':
    case 'entityLockRequested':
    case 'entityLockGranted':
    case 'entityUnlockSent':
    case undefined:
      return String(type.case);
  }
}

export function renderAll(events: readonly HistoryEvent[]): string[] {
  return events.map(render);
}

/** The first turn of an instance: [OrchestratorStarted, ExecutionStarted]. */
export function startedHistory(init: Partial<ExecutionStartedInit> = {}, at = T0): HistoryEvent[] {
  return [orchestratorStartedEvent(at), startEvent(init, at)];
}

export function startEvent(init: Partial<ExecutionStartedInit> = {}, at = T0): HistoryEvent {
  return executionStartedEvent(
    { instanceId: INSTANCE, executionId: EXECUTION, name: 'orch', input: '"in"', ...init },
    at,
  );
}

/** A history that scheduled activity `taskId` (a turn ending with OrchestratorCompleted). */
export function scheduledTurn(taskId: number, name = 'work', at = T0): HistoryEvent[] {
  return [taskScheduledEvent(taskId, { name }, at), orchestratorCompletedEvent(at)];
}

export function failure(message: string): TaskFailureDetails {
  return create(TaskFailureDetailsSchema, { errorType: 'Error', errorMessage: message });
}

export function completedTurn(
  status: OrchestrationStatus,
  at = T0,
  result?: string,
  failureDetails?: TaskFailureDetails,
): HistoryEvent[] {
  return [
    orchestratorStartedEvent(at),
    executionCompletedEvent(9, status, result, failureDetails, at),
    orchestratorCompletedEvent(at),
  ];
}

export const actions = {
  scheduleTask(id: number, name: string, input?: string): OrchestratorAction {
    return create(OrchestratorActionSchema, {
      id,
      orchestratorActionType: {
        case: 'scheduleTask',
        value: { name, ...(input !== undefined && { input }) },
      },
    });
  },
  createTimer(id: number, fireAt: number): OrchestratorAction {
    return create(OrchestratorActionSchema, {
      id,
      orchestratorActionType: { case: 'createTimer', value: { fireAt: timestampFromMs(fireAt) } },
    });
  },
  createSubOrchestration(id: number, name: string, instanceId = '', input?: string): OrchestratorAction {
    return create(OrchestratorActionSchema, {
      id,
      orchestratorActionType: {
        case: 'createSubOrchestration',
        value: { name, instanceId, ...(input !== undefined && { input }) },
      },
    });
  },
  sendEvent(id: number, target: string, name: string, data?: string): OrchestratorAction {
    return create(OrchestratorActionSchema, {
      id,
      orchestratorActionType: {
        case: 'sendEvent',
        value: { instance: { instanceId: target }, name, ...(data !== undefined && { data }) },
      },
    });
  },
  terminate(id: number, target: string, reason: string, recurse: boolean): OrchestratorAction {
    return create(OrchestratorActionSchema, {
      id,
      orchestratorActionType: {
        case: 'terminateOrchestration',
        value: { instanceId: target, reason, recurse },
      },
    });
  },
  complete(
    id: number,
    status: OrchestrationStatus,
    result?: string,
    extra: { failureDetails?: TaskFailureDetails; carryoverEvents?: HistoryEvent[] } = {},
  ): OrchestratorAction {
    return create(OrchestratorActionSchema, {
      id,
      orchestratorActionType: {
        case: 'completeOrchestration',
        value: {
          orchestrationStatus: status,
          ...(result !== undefined && { result }),
          ...(extra.failureDetails && { failureDetails: extra.failureDetails }),
          carryoverEvents: extra.carryoverEvents ?? [],
        },
      },
    });
  },
  rewind(newHistory: HistoryEvent[]): OrchestratorAction {
    return create(OrchestratorActionSchema, {
      id: -1,
      orchestratorActionType: { case: 'rewindOrchestration', value: { newHistory } },
    });
  },
};

export function response(
  orchestratorActions: OrchestratorAction[],
  extra: { customStatus?: string; numEventsProcessed?: number } = {},
): OrchestratorResponse {
  return create(OrchestratorResponseSchema, { instanceId: INSTANCE, actions: orchestratorActions, ...extra });
}

/** Plans a turn and, when user code must run, answers it with `answer`. */
export function runTurn(
  input: Omit<TurnInput, 'instanceId'> & { instanceId?: string },
  answer: OrchestratorResponse = response([]),
  newId: () => string = sequentialIds(),
): { plan: TurnPlan; result: TurnResult } {
  const plan = planTurn({ instanceId: INSTANCE, ...input }, { newId });
  const result = plan.kind === 'commit' ? plan.result : applyResponse(plan, answer, input.now);
  return { plan, result };
}
