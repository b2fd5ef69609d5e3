import type {
  ExecutionStartedEvent,
  HistoryEvent,
  OrchestratorRequest,
} from '../proto/orchestrator_service_pb.js';

/** The ExecutionStarted event of a turn's request (in its past events, or new on the first turn). */
export function executionStartedOf(request: OrchestratorRequest): ExecutionStartedEvent | undefined {
  const find = (events: readonly HistoryEvent[]): ExecutionStartedEvent | undefined => {
    for (const event of events) if (event.eventType.case === 'executionStarted') return event.eventType.value;
    return undefined;
  };
  return find(request.pastEvents) ?? find(request.newEvents);
}
