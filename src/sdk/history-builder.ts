import { timestampMs } from '@bufbuild/protobuf/wkt';
import { failureDetailsFromError } from '../api/failure-details.js';
import type {
  HistoryEvent,
  OrchestratorAction,
  TaskFailureDetails,
} from '../proto/orchestrator_service_pb.js';
import * as runtimeEvents from '../runtime/history-events.js';

/**
 * History events for replay tests ("given this history, expect these actions"): the SDK's
 * positional signatures over the shared builders in runtime/history-events.ts, plus
 * `confirmActions`: the events an engine records when it accepts a turn's actions.
 */

export { eventSentEvent, timerCreatedEvent } from '../runtime/history-events.js';
export { subOrchestrationInstanceCompletedEvent as subOrchestrationCompletedEvent } from '../runtime/history-events.js';

export function taskScheduledEvent(
  id: number,
  name: string,
  input: string | undefined,
  at: number,
): HistoryEvent {
  return runtimeEvents.taskScheduledEvent(id, { name, ...(input !== undefined && { input }) }, at);
}

export function taskFailedEvent(
  taskScheduledId: number,
  failure: TaskFailureDetails | Error,
  at: number,
): HistoryEvent {
  return runtimeEvents.taskFailedEvent(taskScheduledId, failureDetailsOf(failure), at);
}

export function subOrchestrationCreatedEvent(
  id: number,
  name: string,
  instanceId: string,
  input: string | undefined,
  at: number,
): HistoryEvent {
  return runtimeEvents.subOrchestrationInstanceCreatedEvent(
    id,
    { name, instanceId, ...(input !== undefined && { input }) },
    at,
  );
}

export function subOrchestrationFailedEvent(
  taskScheduledId: number,
  failure: TaskFailureDetails | Error,
  at: number,
): HistoryEvent {
  return runtimeEvents.subOrchestrationInstanceFailedEvent(taskScheduledId, failureDetailsOf(failure), at);
}

function failureDetailsOf(failure: TaskFailureDetails | Error): TaskFailureDetails {
  return failure instanceof Error ? failureDetailsFromError(failure) : failure;
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
          runtimeEvents.timerCreatedEvent(
            action.id,
            kind.value.fireAt ? timestampMs(kind.value.fireAt) : at,
            at,
          ),
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
          runtimeEvents.eventSentEvent(
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
