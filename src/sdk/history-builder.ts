import { timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import { failureDetailsFromError } from '../api/failure-details.js';
import type {
  HistoryEvent,
  OrchestratorAction,
  TaskFailureDetails,
} from '../proto/orchestrator_service_pb.js';
import { historyEvent } from '../runtime/history-events.js';

/**
 * History events for replay tests ("given this history, expect these actions"), for the events
 * the shared builders in runtime/history-events.ts do not cover, plus `confirmActions`: the
 * events an engine records when it accepts a turn's actions.
 */

export function taskScheduledEvent(
  id: number,
  name: string,
  input: string | undefined,
  at: number,
): HistoryEvent {
  return historyEvent(
    { case: 'taskScheduled', value: { name, ...(input !== undefined && { input }) } },
    at,
    id,
  );
}

export function taskFailedEvent(
  taskScheduledId: number,
  failure: TaskFailureDetails | Error,
  at: number,
): HistoryEvent {
  const failureDetails = failure instanceof Error ? failureDetailsFromError(failure) : failure;
  return historyEvent({ case: 'taskFailed', value: { taskScheduledId, failureDetails } }, at);
}

export function timerCreatedEvent(id: number, fireAt: number, at: number): HistoryEvent {
  return historyEvent({ case: 'timerCreated', value: { fireAt: timestampFromMs(fireAt) } }, at, id);
}

export function subOrchestrationCreatedEvent(
  id: number,
  name: string,
  instanceId: string,
  input: string | undefined,
  at: number,
): HistoryEvent {
  return historyEvent(
    {
      case: 'subOrchestrationInstanceCreated',
      value: { name, instanceId, ...(input !== undefined && { input }) },
    },
    at,
    id,
  );
}

export function subOrchestrationCompletedEvent(
  taskScheduledId: number,
  result: string | undefined,
  at: number,
): HistoryEvent {
  return historyEvent(
    {
      case: 'subOrchestrationInstanceCompleted',
      value: { taskScheduledId, ...(result !== undefined && { result }) },
    },
    at,
  );
}

export function subOrchestrationFailedEvent(
  taskScheduledId: number,
  failure: TaskFailureDetails | Error,
  at: number,
): HistoryEvent {
  const failureDetails = failure instanceof Error ? failureDetailsFromError(failure) : failure;
  return historyEvent(
    { case: 'subOrchestrationInstanceFailed', value: { taskScheduledId, failureDetails } },
    at,
  );
}

export function eventSentEvent(
  id: number,
  instanceId: string,
  name: string,
  input: string | undefined,
  at: number,
): HistoryEvent {
  return historyEvent(
    { case: 'eventSent', value: { instanceId, name, ...(input !== undefined && { input }) } },
    at,
    id,
  );
}

/**
 * The history events recording that `actions` were carried out (TaskScheduled, TimerCreated,
 * SubOrchestrationInstanceCreated, EventSent), stamped `at`. Completion actions record nothing
 * here. `assignInstanceId` fills the child id of sub-orchestrations that left it empty.
 */
export function confirmActions(
  actions: readonly OrchestratorAction[],
  at: number,
  assignInstanceId: (action: OrchestratorAction) => string = (action) => `child-${action.id}`,
): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  for (const action of actions) {
    const kind = action.orchestratorActionType;
    switch (kind.case) {
      case 'scheduleTask':
        events.push(taskScheduledEvent(action.id, kind.value.name, kind.value.input, at));
        break;
      case 'createTimer':
        events.push(
          timerCreatedEvent(action.id, kind.value.fireAt ? timestampMs(kind.value.fireAt) : at, at),
        );
        break;
      case 'createSubOrchestration':
        events.push(
          subOrchestrationCreatedEvent(
            action.id,
            kind.value.name,
            kind.value.instanceId || assignInstanceId(action),
            kind.value.input,
            at,
          ),
        );
        break;
      case 'sendEvent':
        events.push(
          eventSentEvent(
            action.id,
            kind.value.instance?.instanceId ?? '',
            kind.value.name,
            kind.value.data,
            at,
          ),
        );
        break;
      case 'completeOrchestration':
      case 'terminateOrchestration':
      case 'sendEntityMessage':
      case 'rewindOrchestration':
      case undefined:
        break;
    }
  }
  return events;
}
