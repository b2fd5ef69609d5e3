import type Database from 'better-sqlite3';
import type { InstancePage, InstanceQuery, InstanceState, PurgeFilter } from '../../api/instance.js';
import { isTerminalStatus } from '../../api/status.js';
import {
  pageFromRows,
  pageSizeOf,
  pageStart,
  TERMINAL_STATUSES,
  type InstanceFilter,
  type Where,
} from '../shared/instance-pages.js';
import { instanceStateFromRow, type InstanceRow } from './rows.js';

/** Filtered instance queries; paging and tokens follow `../shared/instance-pages.ts`. */

export {
  DEFAULT_PAGE_SIZE,
  decodeContinuationToken,
  encodeContinuationToken,
} from '../shared/instance-pages.js';

const INSTANCE_COLUMNS = `id, name, version, execution_id, status, created_at, last_updated_at, started_at,
  completed_at, scheduled_start_at, input, output, custom_status, failure_details, parent_instance_id, tags`;

function buildWhere(filter: InstanceFilter, after: readonly [number, string] | undefined): Where {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (filter.statuses && filter.statuses.length > 0) {
    clauses.push('status IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(filter.statuses));
  }
  if (filter.createdFrom !== undefined) {
    clauses.push('created_at >= ?');
    params.push(filter.createdFrom);
  }
  if (filter.createdTo !== undefined) {
    clauses.push('created_at < ?');
    params.push(filter.createdTo);
  }
  // A NULL completed_at (still running) never satisfies a bound.
  if (filter.completedFrom !== undefined) {
    clauses.push('completed_at >= ?');
    params.push(filter.completedFrom);
  }
  if (filter.completedTo !== undefined) {
    clauses.push('completed_at < ?');
    params.push(filter.completedTo);
  }
  // substr counts code points on TEXT, hence the spread; LIKE would be case-insensitive.
  if (filter.instanceIdPrefix) {
    clauses.push('id >= ? AND substr(id, 1, ?) = ?');
    params.push(filter.instanceIdPrefix, [...filter.instanceIdPrefix].length, filter.instanceIdPrefix);
  }
  if (filter.namePrefix) {
    clauses.push('substr(name, 1, ?) = ?');
    params.push([...filter.namePrefix].length, filter.namePrefix);
  }
  if (after) {
    clauses.push('(created_at, id) > (?, ?)');
    params.push(after[0], after[1]);
  }
  return { sql: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/** Runs instance queries, caching one prepared statement per filter shape (at most 2^8 shapes). */
export class InstanceQueries {
  readonly #db: Database.Database;
  readonly #cache = new Map<string, Database.Statement>();

  constructor(db: Database.Database) {
    this.#db = db;
  }

  #statement(sql: string): Database.Statement {
    let statement = this.#cache.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#cache.set(sql, statement);
    }
    return statement;
  }

  #page<T>(query: InstanceQuery, columns: string, toItem: (row: InstanceRow) => T): InstancePage<T> {
    const pageSize = pageSizeOf(query);
    const where = buildWhere(query, pageStart(query));
    const sql = `SELECT ${columns} FROM instances ${where.sql} ORDER BY created_at, id LIMIT ?`;
    // One extra row tells whether another page follows.
    const rows = this.#statement(sql).all(...where.params, pageSize + 1) as InstanceRow[];
    return pageFromRows(rows, pageSize, toItem);
  }

  query(query: InstanceQuery): InstancePage<InstanceState> {
    const includePayloads = query.includePayloads ?? false;
    return this.#page(query, INSTANCE_COLUMNS, (row) => instanceStateFromRow(row, includePayloads));
  }

  listIds(query: InstanceQuery): InstancePage<string> {
    return this.#page(query, 'id, created_at', (row) => row.id);
  }

  /** Ids of the terminal instances a purge filter selects. */
  purgeCandidates(filter: PurgeFilter): string[] {
    const statuses = filter.statuses ? filter.statuses.filter(isTerminalStatus) : TERMINAL_STATUSES;
    if (statuses.length === 0) return [];
    const where = buildWhere({ ...filter, statuses }, undefined);
    const limited = filter.limit !== undefined;
    const text = `SELECT id FROM instances ${where.sql} ORDER BY created_at, id${limited ? ' LIMIT ?' : ''}`;
    const params = limited ? [...where.params, filter.limit] : where.params;
    const rows = this.#statement(text).all(...params) as { id: string }[];
    return rows.map((row) => row.id);
  }
}
