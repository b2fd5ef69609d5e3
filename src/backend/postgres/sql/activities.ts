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

/**
 * Leases up to `$4` of the oldest visible tasks, in that order; SKIP LOCKED lets concurrent
 * leasers pass each other. Each lease's token is `$2` suffixed with the task id.
 */
export const LEASE_NEXT_TASKS = `
  WITH ${RELAXED_COMMIT},
  picked AS MATERIALIZED (
    SELECT id, visible_at FROM {schema}.tasks WHERE visible_at <= {now} ORDER BY visible_at, id
    LIMIT $4 FOR UPDATE SKIP LOCKED),
  leased AS (
    UPDATE {schema}.tasks t SET lock_token = $2::text || '.' || t.id, locked_until = {now} + $3,
      visible_at = {now} + $3, lease_count = t.lease_count + 1
    FROM picked WHERE t.id = picked.id
    RETURNING t.id, t.instance_id, t.execution_id, t.task_id, t.event, t.lease_count, t.lock_token,
      t.locked_until, picked.visible_at AS was_visible_at)
  SELECT leased.* FROM leased CROSS JOIN relaxed ORDER BY was_visible_at, id`;

export const RENEW_TASK_LOCK = `
  WITH ${RELAXED_COMMIT}
  UPDATE {schema}.tasks SET locked_until = {now} + $4, visible_at = {now} + $4
  FROM relaxed
  WHERE id = $2 AND lock_token = $3 AND locked_until > {now}
  RETURNING locked_until`;

export const RELEASE_TASK_LOCK = `
  UPDATE {schema}.tasks SET lock_token = NULL, locked_until = NULL, visible_at = {now} + $4
  WHERE id = $2 AND lock_token = $3
  RETURNING id`;
