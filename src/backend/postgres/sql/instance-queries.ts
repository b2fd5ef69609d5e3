/**
 * Fragments of the filtered instance queries, assembled by instance-queries.ts (the filter
 * decides which clauses appear; parameters are numbered as they are added).
 */

export const INSTANCE_COLUMNS = `id, name, version, execution_id, status, created_at, last_updated_at, started_at,
  completed_at, scheduled_start_at, input, output, custom_status, failure_details, parent_instance_id, tags`;

export const SELECT_PAGE = `SELECT {columns} FROM {schema}.instances {where} ORDER BY created_at, id LIMIT {limit}`;

/** Deletes the instances a purge filter selects (history, inbox and tasks cascade). */
export const DELETE_MATCHING = `DELETE FROM {schema}.instances {where} RETURNING id`;

/** The same for at most `{limit}` instances, the oldest created first (one batch of a purge). */
export const DELETE_MATCHING_BATCH = `
  DELETE FROM {schema}.instances WHERE id IN (
    SELECT id FROM {schema}.instances {where} ORDER BY created_at, id LIMIT {limit})
  RETURNING id`;

export const WHERE_STATUS_IN = `status = ANY({param}::integer[])`;
/** Bounds may be fractional milliseconds: compared as double precision, exactly as given. */
export const WHERE_CREATED_FROM = `created_at >= {param}::double precision`;
export const WHERE_CREATED_BEFORE = `created_at < {param}::double precision`;
/** A NULL completed_at (still running) never satisfies a bound. */
export const WHERE_COMPLETED_FROM = `completed_at >= {param}::double precision`;
export const WHERE_COMPLETED_BEFORE = `completed_at < {param}::double precision`;
/** The range lets the primary key index narrow the scan; starts_with keeps it exact. */
export const WHERE_ID_PREFIX = `id >= {param} AND starts_with(id, {param})`;
export const WHERE_NAME_PREFIX = `starts_with(name, {param})`;
export const WHERE_AFTER = `(created_at, id) > ({param}, {param2})`;
