import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { HistoryEvent, OrchestratorAction } from '../proto/orchestrator_service_pb.js';
import * as runtimeEvents from '../runtime/history-events.js';

/**
 * For replay tests ("given this history, expect these actions"): `confirmActions`, the events an
 * engine records when it accepts a turn's actions. The events themselves come from the one
 * builder per event in runtime/history-events.ts.
 */

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
        events.push(
          runtimeEvents.taskScheduledEvent(
            action.id,
            { name: kind.value.name, ...(kind.value.input !== undefined && { input: kind.value.input }) },
            at,
          ),
        );
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
          runtimeEvents.subOrchestrationInstanceCreatedEvent(
            action.id,
            {
              name: kind.value.name,
              instanceId: kind.value.instanceId || assignInstanceId(action),
              ...(kind.value.input !== undefined && { input: kind.value.input }),
            },
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
