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
import type { Queryable } from './database.js';
import { instanceStateFromRow, type InstanceRow } from './rows.js';
import { compileStatement } from './sql/compile.js';
import * as sql from './sql/instance-queries.js';

/** Filtered instance queries; paging and tokens follow `../shared/instance-pages.ts`. */

export {
  DEFAULT_PAGE_SIZE,
  decodeContinuationToken,
  encodeContinuationToken,
} from '../shared/instance-pages.js';

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
  if (filter.completedFrom !== undefined) clause(sql.WHERE_COMPLETED_FROM, filter.completedFrom);
  if (filter.completedTo !== undefined) clause(sql.WHERE_COMPLETED_BEFORE, filter.completedTo);
  if (filter.instanceIdPrefix) clause(sql.WHERE_ID_PREFIX, filter.instanceIdPrefix);
  if (filter.namePrefix) clause(sql.WHERE_NAME_PREFIX, filter.namePrefix);
  if (after) clause(sql.WHERE_AFTER, after[0], after[1]);
  return { sql: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params };
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
    const where = buildWhere(query, pageStart(query));
    const text = sql.SELECT_PAGE.replace('{columns}', columns)
      .replace('{where}', where.sql)
      .replace('{limit}', `$${where.params.length + 1}`);
    // One extra row tells whether another page follows.
    const { rows } = await db.query<InstanceRow>(compileStatement(text, this.#quotedSchema), [
      ...where.params,
      pageSize + 1,
    ]);
    return pageFromRows(rows, pageSize, toItem);
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
    const limited = filter.limit !== undefined;
    const text = limited
      ? sql.DELETE_MATCHING_BATCH.replace('{where}', where.sql).replace(
          '{limit}',
          `$${where.params.length + 1}`,
        )
      : sql.DELETE_MATCHING.replace('{where}', where.sql);
    const params = limited ? [...where.params, filter.limit] : where.params;
    const { rows } = await tx.query<{ id: string }>(compileStatement(text, this.#quotedSchema), params);
    return rows.map((row) => row.id);
  }
}
