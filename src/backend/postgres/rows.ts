import type { InstanceState } from '../../api/instance.js';
import type { InstanceSummary } from '../../runtime/turn.js';
import type { OrchestrationWorkItem } from '../backend.js';
import {
  decodeEvent,
  encodeFailure,
  instanceStateFromColumns,
  type InstanceRowOf,
} from '../shared/instance-rows.js';

export { decodeEvent, encodeEvent, encodeFailure } from '../shared/instance-rows.js';

/** Row shapes as node-postgres returns them (bigint parsed to number, bytea as Buffer, jsonb parsed). */

export type InstanceRow = InstanceRowOf<Record<string, string> | null>;

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

export function instanceStateFromRow(row: InstanceRow, includePayloads: boolean): InstanceState {
  return instanceStateFromColumns(row, { ...row.tags }, includePayloads);
}

/** Epoch ms as a bigint parameter: stored times are whole milliseconds. */
export function ms(value: number): number {
  return Math.floor(value);
}

/**
 * The instance columns a turn writes, as statement parameters in this order: name, version,
 * execution id, status, input, output, custom status, failure details, started at, completed at,
 * parent instance id, tags.
 */
export function summaryParams(summary: InstanceSummary): unknown[] {
  return [
    summary.name,
    summary.version ?? null,
    summary.executionId,
    summary.status,
    summary.input ?? null,
    summary.output ?? null,
    summary.customStatus ?? null,
    encodeFailure(summary.failureDetails),
    summary.startedAt !== undefined ? ms(summary.startedAt) : null,
    summary.completedAt !== undefined ? ms(summary.completedAt) : null,
    summary.parentInstanceId ?? null,
    JSON.stringify(summary.tags),
  ];
}
