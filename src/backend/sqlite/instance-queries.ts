import type Database from 'better-sqlite3';
import { InvalidArgumentError } from '../../api/errors.js';
import type { InstancePage, InstanceQuery, InstanceState, PurgeFilter } from '../../api/instance.js';
import { isTerminalStatus, OrchestrationStatus } from '../../api/status.js';
import { instanceStateFromRow, type InstanceRow } from './rows.js';

/**
 * Filtered queries over instances: keyset pagination ordered by (created_at, id), so pages stay
 * stable while instances are created or deleted between calls. The continuation token is opaque
 * to callers: base64url of `[createdAt, id]` of the last item returned.
 */

export const DEFAULT_PAGE_SIZE = 100;

const INSTANCE_COLUMNS = `id, name, version, execution_id, status, created_at, last_updated_at, started_at,
  completed_at, scheduled_start_at, input, output, custom_status, failure_details, parent_instance_id, tags`;

const TERMINAL_STATUSES = (
  Object.values(OrchestrationStatus).filter((v) => typeof v === 'number') as OrchestrationStatus[]
).filter(isTerminalStatus);

interface InstanceFilter {
  readonly statuses?: readonly OrchestrationStatus[];
  readonly createdFrom?: number;
  readonly createdTo?: number;
  readonly instanceIdPrefix?: string;
  readonly namePrefix?: string;
}

interface Where {
  readonly sql: string;
  readonly params: unknown[];
}

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

export function encodeContinuationToken(createdAt: number, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id]), 'utf8').toString('base64url');
}

export function decodeContinuationToken(token: string): readonly [number, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string') {
      return [value[0], value[1]];
    }
  } catch {
    // Reported below as an invalid argument.
  }
  throw new InvalidArgumentError('The continuation token is not valid.');
}

function pageSizeOf(query: InstanceQuery): number {
  const size = query.pageSize ?? 0;
  if (!Number.isInteger(size) || size < 0) {
    throw new InvalidArgumentError(`pageSize must be a positive integer, got ${size}.`);
  }
  return size === 0 ? DEFAULT_PAGE_SIZE : size;
}

/** Runs instance queries, caching one prepared statement per filter shape (at most 2^6 shapes). */
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
    const after = query.continuationToken ? decodeContinuationToken(query.continuationToken) : undefined;
    const where = buildWhere(query, after);
    const sql = `SELECT ${columns} FROM instances ${where.sql} ORDER BY created_at, id LIMIT ?`;
    // One extra row tells whether another page follows.
    const rows = this.#statement(sql).all(...where.params, pageSize + 1) as InstanceRow[];
    const pageRows = rows.slice(0, pageSize);
    const last = pageRows[pageRows.length - 1];
    return {
      items: pageRows.map(toItem),
      ...(rows.length > pageSize &&
        last && { continuationToken: encodeContinuationToken(last.created_at, last.id) }),
    };
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
    const rows = this.#statement(`SELECT id FROM instances ${where.sql}`).all(...where.params) as {
      id: string;
    }[];
    return rows.map((row) => row.id);
  }
}
