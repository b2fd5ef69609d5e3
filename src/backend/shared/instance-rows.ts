import { fromBinary, toBinary } from '@bufbuild/protobuf';
import type { InstanceState } from '../../api/instance.js';
import {
  HistoryEventSchema,
  TaskFailureDetailsSchema,
  type HistoryEvent,
  type TaskFailureDetails,
} from '../../proto/orchestrator_service_pb.js';

/**
 * The instance row and event encoding both SQL backends share. The drivers differ only in how
 * `tags` comes back (parsed jsonb vs. JSON text), so the row is generic over that column.
 */
export interface InstanceRowOf<Tags> {
  id: string;
  name: string;
  version: string | null;
  execution_id: string;
  status: number;
  created_at: number;
  last_updated_at: number;
  started_at: number | null;
  completed_at: number | null;
  scheduled_start_at: number | null;
  input: string | null;
  output: string | null;
  custom_status: string | null;
  failure_details: Uint8Array | null;
  parent_instance_id: string | null;
  tags: Tags;
}

export function encodeEvent(event: HistoryEvent): Uint8Array {
  return toBinary(HistoryEventSchema, event);
}

export function decodeEvent(bytes: Uint8Array): HistoryEvent {
  return fromBinary(HistoryEventSchema, bytes);
}

export function encodeFailure(details: TaskFailureDetails | undefined): Uint8Array | null {
  return details ? toBinary(TaskFailureDetailsSchema, details) : null;
}

/** Maps an instance row to its state; `tags` is the row's tags already decoded by the caller. */
export function instanceStateFromColumns<Tags>(
  row: InstanceRowOf<Tags>,
  tags: Record<string, string>,
  includePayloads: boolean,
): InstanceState {
  return {
    instanceId: row.id,
    name: row.name,
    executionId: row.execution_id,
    status: row.status,
    createdAt: row.created_at,
    lastUpdatedAt: row.last_updated_at,
    tags,
    ...(row.version !== null && { version: row.version }),
    ...(row.started_at !== null && { startedAt: row.started_at }),
    ...(row.completed_at !== null && { completedAt: row.completed_at }),
    ...(row.scheduled_start_at !== null && { scheduledStartAt: row.scheduled_start_at }),
    ...(row.parent_instance_id !== null && { parentInstanceId: row.parent_instance_id }),
    ...(row.failure_details !== null && {
      failureDetails: fromBinary(TaskFailureDetailsSchema, row.failure_details),
    }),
    ...(includePayloads && row.input !== null && { input: row.input }),
    ...(includePayloads && row.output !== null && { output: row.output }),
    ...(includePayloads && row.custom_status !== null && { customStatus: row.custom_status }),
  };
}
