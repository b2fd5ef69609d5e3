import { InvalidArgumentError } from '../../api/errors.js';
import type { InstancePage, InstanceQuery } from '../../api/instance.js';
import { isTerminalStatus, OrchestrationStatus } from '../../api/status.js';

/**
 * Paging rules both SQL backends share. Instance queries use keyset pagination ordered by
 * (created_at, id), so pages stay stable while instances are created or deleted between calls.
 * The continuation token is opaque to callers: base64url of `[createdAt, id]` of the last item.
 */

export const DEFAULT_PAGE_SIZE = 100;

export const TERMINAL_STATUSES = (
  Object.values(OrchestrationStatus).filter((v) => typeof v === 'number') as OrchestrationStatus[]
).filter(isTerminalStatus);

/** The filter fields an instance query and a purge filter have in common. */
export interface InstanceFilter {
  readonly statuses?: readonly OrchestrationStatus[];
  readonly createdFrom?: number;
  readonly createdTo?: number;
  readonly instanceIdPrefix?: string;
  readonly namePrefix?: string;
  readonly completedFrom?: number;
  readonly completedTo?: number;
}

/** A WHERE clause (empty when nothing filters) and its parameters in order. */
export interface Where {
  readonly sql: string;
  readonly params: unknown[];
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

export function pageSizeOf(query: InstanceQuery): number {
  const size = query.pageSize ?? 0;
  if (!Number.isInteger(size) || size < 0) {
    throw new InvalidArgumentError(`pageSize must be a positive integer, got ${size}.`);
  }
  return size === 0 ? DEFAULT_PAGE_SIZE : size;
}

/** Where the next page starts, from the query's continuation token (undefined on the first page). */
export function pageStart(query: InstanceQuery): readonly [number, string] | undefined {
  return query.continuationToken ? decodeContinuationToken(query.continuationToken) : undefined;
}

/**
 * Turns the rows of a page query, fetched with a limit of `pageSize + 1` (the extra row tells
 * whether another page follows), into the page.
 */
export function pageFromRows<Row extends { readonly created_at: number; readonly id: string }, T>(
  rows: readonly Row[],
  pageSize: number,
  toItem: (row: Row) => T,
): InstancePage<T> {
  const pageRows = rows.slice(0, pageSize);
  const last = pageRows[pageRows.length - 1];
  return {
    items: pageRows.map(toItem),
    ...(rows.length > pageSize &&
      last && { continuationToken: encodeContinuationToken(last.created_at, last.id) }),
  };
}
