import { INSTANCE_COLUMNS } from './instance-queries.js';

/** Statements over the instances table (see compile.ts for `{schema}`, `{now}` and `$1`). */

/** Inserts a PENDING instance unless the id exists (a concurrent creator may have won). */
export const INSERT_INSTANCE = `
  INSERT INTO {schema}.instances (id, name, version, execution_id, status, created_at, last_updated_at,
    scheduled_start_at, input, parent_instance_id, tags)
  VALUES ($2, $3, $4, $5, $6, {now}, {now}, $7, $8, $9, $10)
  ON CONFLICT (id) DO NOTHING
  RETURNING id`;

export const SELECT_INSTANCE = `SELECT ${INSTANCE_COLUMNS} FROM {schema}.instances WHERE id = $1`;

export const SELECT_INSTANCE_HEAD = `SELECT status, execution_id FROM {schema}.instances WHERE id = $1`;

/** The head of an instance about to be replaced or purged, locked against concurrent writers. */
export const LOCK_INSTANCE_HEAD = `SELECT status, execution_id FROM {schema}.instances WHERE id = $1 FOR UPDATE`;

export const SELECT_CHILDREN = `
  SELECT id, status FROM {schema}.instances WHERE parent_instance_id = $1 ORDER BY id`;

/**
 * Writes the columns a turn derived from its history and releases the lease; `$15`, the lease's
 * token, becomes the history version (it names the history this commit leaves).
 */
export const UPDATE_INSTANCE_FROM_TURN = `
  UPDATE {schema}.instances SET name = $3, version = $4, execution_id = $5, status = $6, input = $7,
    output = $8, custom_status = $9, failure_details = $10, started_at = $11, completed_at = $12,
    parent_instance_id = $13, tags = $14, last_updated_at = {now}, lock_token = NULL, locked_until = NULL,
    history_version = $15
  WHERE id = $2`;

/** Deletes an instance; its history, inbox and tasks go with it (ON DELETE CASCADE). */
export const DELETE_INSTANCE = `DELETE FROM {schema}.instances WHERE id = $1`;

export const CURRENT_TIME = `SELECT {now} AS now`;
