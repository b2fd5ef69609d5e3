import { InvalidArgumentError } from '../../api/errors.js';
import type { InstancePage, InstanceQuery, InstanceState, PurgeFilter } from '../../api/instance.js';
import { isTerminalStatus, OrchestrationStatus } from '../../api/status.js';
import type { Queryable } from './database.js';
import { instanceStateFromRow, type InstanceRow } from './rows.js';
import { compileStatement } from './sql/compile.js';
import * as sql from './sql/instance-queries.js';

/**
 * Filtered queries over instances: keyset pagination ordered by (created_at, id), so pages stay
 * stable while instances are created or deleted between calls. The continuation token is opaque
 * to callers: base64url of `[createdAt, id]` of the last item returned.
 */

export const DEFAULT_PAGE_SIZE = 100;

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
  const clause = (fragment: string, value: unknown, second?: unknown): void => {
    params.push(value);
    let text = fragment.replaceAll('{param}', `$${params.length}`);
    if (second !== undefined) {
      params.push(second);
      text = text.replaceAll('{param2}', `$${params.length}`);
    }
    clauses.push(text);
  };
  if (filter.statuses && filter.statuses.length > 0) clause(sql.WHERE_STATUS_IN, [...filter.statuses]);
  if (filter.createdFrom !== undefined) clause(sql.WHERE_CREATED_FROM, filter.createdFrom);
  if (filter.createdTo !== undefined) clause(sql.WHERE_CREATED_BEFORE, filter.createdTo);
  if (filter.instanceIdPrefix) clause(sql.WHERE_ID_PREFIX, filter.instanceIdPrefix);
  if (filter.namePrefix) clause(sql.WHERE_NAME_PREFIX, filter.namePrefix);
  if (after) clause(sql.WHERE_AFTER, after[0], after[1]);
  return { sql: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

export function encodeContinuationToken(createdAt: number, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id]), 'utf8').toString('base64url');
}

export function decodeContinuationToken(token: string): readonly [number, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(value) && Number.isInteger(value[0]) && typeof value[1] === 'string') {
      return [value[0] as number, value[1]];
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

export class InstanceQueries {
  readonly #quotedSchema: string;

  constructor(quotedSchema: string) {
    this.#quotedSchema = quotedSchema;
  }

  async #page<T>(
    db: Queryable,
    query: InstanceQuery,
    columns: string,
    toItem: (row: InstanceRow) => T,
  ): Promise<InstancePage<T>> {
    const pageSize = pageSizeOf(query);
    const after = query.continuationToken ? decodeContinuationToken(query.continuationToken) : undefined;
    const where = buildWhere(query, after);
    const text = sql.SELECT_PAGE.replace('{columns}', columns)
      .replace('{where}', where.sql)
      .replace('{limit}', `$${where.params.length + 1}`);
    // One extra row tells whether another page follows.
    const { rows } = await db.query<InstanceRow>(compileStatement(text, this.#quotedSchema), [
      ...where.params,
      pageSize + 1,
    ]);
    const pageRows = rows.slice(0, pageSize);
    const last = pageRows[pageRows.length - 1];
    return {
      items: pageRows.map(toItem),
      ...(rows.length > pageSize &&
        last && { continuationToken: encodeContinuationToken(last.created_at, last.id) }),
    };
  }

  query(db: Queryable, query: InstanceQuery): Promise<InstancePage<InstanceState>> {
    const includePayloads = query.includePayloads ?? false;
    return this.#page(db, query, sql.INSTANCE_COLUMNS, (row) => instanceStateFromRow(row, includePayloads));
  }

  listIds(db: Queryable, query: InstanceQuery): Promise<InstancePage<string>> {
    return this.#page(db, query, 'id, created_at', (row) => row.id);
  }

  /** Deletes the terminal instances a purge filter selects; returns their ids. */
  async purgeMatching(tx: Queryable, filter: PurgeFilter): Promise<string[]> {
    const statuses = filter.statuses ? filter.statuses.filter(isTerminalStatus) : TERMINAL_STATUSES;
    if (statuses.length === 0) return [];
    const where = buildWhere({ ...filter, statuses }, undefined);
    const text = sql.DELETE_MATCHING.replace('{where}', where.sql);
    const { rows } = await tx.query<{ id: string }>(compileStatement(text, this.#quotedSchema), where.params);
    return rows.map((row) => row.id);
  }
}
