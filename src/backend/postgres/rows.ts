import { fromBinary, toBinary } from '@bufbuild/protobuf';
import type { InstanceState } from '../../api/instance.js';
import type { OrchestrationWorkItem } from '../backend.js';
import {
  HistoryEventSchema,
  TaskFailureDetailsSchema,
  type HistoryEvent,
  type TaskFailureDetails,
} from '../../proto/orchestrator_service_pb.js';

/** Row shapes as node-postgres returns them (bigint parsed to number, bytea as Buffer, jsonb parsed). */

export interface InstanceRow {
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
  tags: Record<string, string> | null;
}

export interface InstanceHeadRow {
  status: number;
  execution_id: string;
}

/** One event of a leased turn; `id` is NULL (and so are the others) when the turn had none. */
export interface LeasedTurnRow {
  instance_id: string;
  lock_token: string;
  locked_until: number;
  history_version: string | null;
  id: number | null;
  event: Uint8Array | null;
  lease_count: number | null;
}

export interface LeasedEventRow extends LeasedTurnRow {
  id: number;
  event: Uint8Array;
  lease_count: number;
}

export interface TaskRow {
  id: number;
  instance_id: string;
  execution_id: string;
  task_id: number;
  event: Uint8Array;
  lease_count: number;
  lock_token: string;
  locked_until: number;
}

export interface LockRow {
  lock_token: string | null;
  locked_until: number | null;
  now: number;
}

/**
 * The work items of a batch lease (rows in lease order, then event id), and the leased instances
 * that came without events (to be released).
 */
export function workItemsFromRows(rows: readonly LeasedTurnRow[]): {
  items: OrchestrationWorkItem[];
  empty: LeasedTurnRow[];
} {
  const byInstance = new Map<string, LeasedTurnRow[]>();
  for (const row of rows) {
    const list = byInstance.get(row.instance_id);
    if (list) list.push(row);
    else byInstance.set(row.instance_id, [row]);
  }
  const items: OrchestrationWorkItem[] = [];
  const empty: LeasedTurnRow[] = [];
  for (const list of byInstance.values()) {
    const first = list[0] as LeasedTurnRow;
    const events = list.filter((row): row is LeasedEventRow => row.id !== null);
    if (events.length === 0) {
      empty.push(first);
      continue;
    }
    items.push({
      instanceId: first.instance_id,
      newEvents: events.map((row) => decodeEvent(row.event)),
      inboxIds: events.map((row) => String(row.id)),
      lockToken: first.lock_token,
      lockedUntil: first.locked_until,
      // lease_count already counts this lease.
      attempt: events.reduce((most, row) => Math.max(most, row.lease_count - 1), 0),
      ...(first.history_version !== null && { historyVersion: first.history_version }),
      // A commit stores the lease's token as the history version.
      nextHistoryVersion: first.lock_token,
    });
  }
  return { items, empty };
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

export function instanceStateFromRow(row: InstanceRow, includePayloads: boolean): InstanceState {
  return {
    instanceId: row.id,
    name: row.name,
    executionId: row.execution_id,
    status: row.status,
    createdAt: row.created_at,
    lastUpdatedAt: row.last_updated_at,
    tags: { ...row.tags },
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
