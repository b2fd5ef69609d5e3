import { create, toBinary } from '@bufbuild/protobuf';
import {
  HistoryEventSchema,
  OrchestratorRequestSchema,
  type HistoryEvent,
  type OrchestratorRequest,
} from '../../proto/orchestrator_service_pb.js';

/**
 * History streaming (WORKER_CAPABILITY_HISTORY_STREAMING): a worker that declares it on its
 * GetWorkItems stream can be sent an orchestration turn without its past events, flagged
 * `requiresHistoryStreaming`; it then reads them with StreamInstanceHistory
 * (`forWorkItemProcessing`), in chunks, so a history larger than one gRPC message still runs.
 * New events always travel inline. Workers that do not declare it get every history inline.
 */

/**
 * Past events above this many encoded bytes are streamed to a worker that can take them (the
 * threshold of the .NET SDK's in-process sidecar): small histories keep the single round trip.
 */
export const DEFAULT_HISTORY_STREAMING_THRESHOLD_BYTES = 1024 * 1024;

/** Whether the encoded past events exceed `thresholdBytes` (stops counting once they do). */
export function pastEventsExceed(events: readonly HistoryEvent[], thresholdBytes: number): boolean {
  let bytes = 0;
  for (const event of events) {
    bytes += toBinary(HistoryEventSchema, event).byteLength;
    if (bytes > thresholdBytes) return true;
  }
  return false;
}

/** The request as sent to a streaming worker: no past events, and the flag that says so. */
export function withoutPastEvents(request: OrchestratorRequest): OrchestratorRequest {
  return create(OrchestratorRequestSchema, { ...request, pastEvents: [], requiresHistoryStreaming: true });
}
