import { RELAXED_COMMIT } from './compile.js';

/**
 * Activity tasks (see compile.ts for `{schema}`, `{now}` and `$1`); leased like inbox rows, and
 * like them leased and renewed without waiting for the disk (RELAXED_COMMIT).
 */

/** Queues tasks in array order, visible at once. */
export const INSERT_TASKS = `
  INSERT INTO {schema}.tasks (instance_id, execution_id, task_id, event, visible_at)
  SELECT t.instance_id, t.execution_id, t.task_id, t.event, {now}
  FROM unnest($2::text[], $3::text[], $4::integer[], $5::bytea[]) WITH ORDINALITY
    AS t(instance_id, execution_id, task_id, event, ord)
  ORDER BY t.ord`;

/** Leases the oldest visible task; SKIP LOCKED lets concurrent leasers pass each other. */
export const LEASE_NEXT_TASK = `
  WITH ${RELAXED_COMMIT}
  UPDATE {schema}.tasks SET lock_token = $2, locked_until = {now} + $3, visible_at = {now} + $3,
    lease_count = lease_count + 1
  FROM relaxed
  WHERE id = (
    SELECT id FROM {schema}.tasks WHERE visible_at <= {now} ORDER BY visible_at, id
    LIMIT 1 FOR UPDATE SKIP LOCKED)
  RETURNING id, instance_id, execution_id, task_id, event, lease_count, locked_until`;

export const RENEW_TASK_LOCK = `
  WITH ${RELAXED_COMMIT}
  UPDATE {schema}.tasks SET locked_until = {now} + $4, visible_at = {now} + $4
  FROM relaxed
  WHERE id = $2 AND lock_token = $3 AND locked_until > {now}
  RETURNING locked_until`;

export const DELETE_LOCKED_TASK = `
  DELETE FROM {schema}.tasks WHERE id = $2 AND lock_token = $3 AND locked_until > {now}
  RETURNING instance_id`;

export const RELEASE_TASK_LOCK = `
  UPDATE {schema}.tasks SET lock_token = NULL, locked_until = NULL, visible_at = {now} + $4
  WHERE id = $2 AND lock_token = $3
  RETURNING id`;
