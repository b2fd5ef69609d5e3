import type { InstanceState } from '../../api/instance.js';
import { instanceStateFromColumns, type InstanceRowOf } from '../shared/instance-rows.js';

export { decodeEvent, encodeEvent, encodeFailure } from '../shared/instance-rows.js';

/** Row shapes as better-sqlite3 returns them, and their conversions. */

export type InstanceRow = InstanceRowOf<string>;

export interface InboxRow {
  id: number;
  event: Uint8Array;
}

export interface TaskRow {
  id: number;
  instance_id: string;
  execution_id: string;
  task_id: number;
  event: Uint8Array;
  lease_count: number;
}

export interface LockRow {
  lock_token: string | null;
  locked_until: number | null;
}

export function instanceStateFromRow(row: InstanceRow, includePayloads: boolean): InstanceState {
  return instanceStateFromColumns(row, JSON.parse(row.tags) as Record<string, string>, includePayloads);
}
