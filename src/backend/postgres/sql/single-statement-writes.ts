import { RELAXED_COMMIT } from './compile.js';
/**
 * Writes done in ONE statement each (see compile.ts for `{schema}`, `{now}` and `$1`): a
 * statement is atomic in its own implicit transaction, so these need no BEGIN/COMMIT round
 * trips. Every part that changes rows is chained to the row that authorises the write (the
 * lease, the locked task, the new instance) through RETURNING, so when that row is missing
 * nothing at all changes. The cases these do not cover go through the multi-statement
 * transactions of writes.ts.
 */

/**
 * Commits a turn that replaces no history, creates no instance and requeues nothing. Params:
 * $2 instance, $3 lock token, $4–$15 instance columns, $16 history events, $17 consumed inbox
 * ids, $18–$21 tasks (instance, execution, task id, event), $22–$23 inbox events of this instance
 * (timers, messages to itself), $24–$26 messages to other instances (dropped when the instance
 * does not exist), $27 whether orchestration work is certain (else: whether any message landed
 * or this instance has visible events left). No row: the lease was lost. The lease's token becomes the
 * instance's history version (it names the history this commit leaves).
 *
 * Messages to other instances lock them FOR KEY SHARE (a concurrent purge then waits or is
 * waited for); this instance's own row is not locked that way because this statement updates it,
 * and a row updated by the same statement would be skipped.
 */
export const COMMIT_TURN = `
  WITH lease AS (
    UPDATE {schema}.instances SET name = $4, version = $5, execution_id = $6, status = $7, input = $8,
      output = $9, custom_status = $10, failure_details = $11, started_at = $12, completed_at = $13,
      parent_instance_id = $14, tags = $15, last_updated_at = {now}, lock_token = NULL, locked_until = NULL,
      history_version = $3
    WHERE id = $2 AND lock_token = $3 AND locked_until > {now}
    RETURNING id),
  appended AS (
    INSERT INTO {schema}.history (instance_id, seq, event)
    SELECT lease.id,
      (COALESCE((SELECT MAX(seq) + 1 FROM {schema}.history WHERE instance_id = $2), 0) + e.ord - 1)::integer,
      e.event
    FROM lease, unnest($16::bytea[]) WITH ORDINALITY AS e(event, ord)),
  consumed AS (
    DELETE FROM {schema}.inbox e USING lease WHERE e.instance_id = lease.id AND e.id = ANY($17::bigint[])),
  queued AS (
    INSERT INTO {schema}.tasks (instance_id, execution_id, task_id, event, visible_at)
    SELECT t.instance_id, t.execution_id, t.task_id, t.event, {now}
    FROM lease, unnest($18::text[], $19::text[], $20::integer[], $21::bytea[]) WITH ORDINALITY
      AS t(instance_id, execution_id, task_id, event, ord)
    ORDER BY t.ord),
  to_self AS (
    INSERT INTO {schema}.inbox (instance_id, event, visible_at)
    SELECT lease.id, m.event, COALESCE(m.visible_at, {now})
    FROM lease, unnest($22::bytea[], $23::bigint[]) WITH ORDINALITY AS m(event, visible_at, ord)
    ORDER BY m.ord),
  to_others AS (
    INSERT INTO {schema}.inbox (instance_id, event, visible_at)
    SELECT i.id, m.event, COALESCE(m.visible_at, {now})
    FROM lease, unnest($24::text[], $25::bytea[], $26::bigint[]) WITH ORDINALITY
      AS m(target, event, visible_at, ord)
    JOIN {schema}.instances i ON i.id = m.target
    ORDER BY m.ord
    FOR KEY SHARE OF i
    RETURNING 1)
  SELECT $27::boolean OR EXISTS (SELECT 1 FROM to_others) OR EXISTS (
      SELECT 1 FROM {schema}.inbox
      WHERE instance_id = $2 AND visible_at <= {now} AND NOT (id = ANY($17::bigint[])))
    AS orchestration_work
  FROM lease`;

/**
 * Deletes a leased task and delivers its result to the execution that scheduled it (dropped when
 * the instance is gone or runs another execution). $2 task, $3 lock token, $4 instance,
 * $5 execution, $6 result event.
 * `completed` 0: the lease was lost.
 * Committed without waiting for the disk (RELAXED_COMMIT): activities run at least once, so a
 * result lost in a crash (with its task's deletion) only means the activity runs again; the
 * durable commit of the turn that consumes it flushes the log past it.
 */
export const COMPLETE_TASK = `
  WITH ${RELAXED_COMMIT},
  done AS (
    DELETE FROM {schema}.tasks WHERE id = $2 AND lock_token = $3 AND locked_until > {now}
    RETURNING id),
  delivered AS (
    INSERT INTO {schema}.inbox (instance_id, event, visible_at)
    SELECT i.id, $6, {now} FROM done JOIN {schema}.instances i ON i.id = $4 AND i.execution_id = $5
    FOR KEY SHARE OF i
    RETURNING id)
  SELECT (SELECT count(*) FROM done)::integer AS completed,
    (SELECT count(*) FROM delivered)::integer AS delivered
  FROM relaxed`;

/**
 * Creates a PENDING instance with its ExecutionStarted inbox event unless the id exists.
 * $2–$10 as INSERT_INSTANCE, $11 start event, $12 visible time (NULL: now). `created` 0: the
 * id exists (the caller applies the reuse policy).
 */
export const CREATE_INSTANCE = `
  WITH created AS (
    INSERT INTO {schema}.instances (id, name, version, execution_id, status, created_at, last_updated_at,
      scheduled_start_at, input, parent_instance_id, tags)
    VALUES ($2, $3, $4, $5, $6, {now}, {now}, $7, $8, $9, $10)
    ON CONFLICT (id) DO NOTHING
    RETURNING id),
  started AS (
    INSERT INTO {schema}.inbox (instance_id, event, visible_at)
    SELECT id, $11, COALESCE($12::bigint, {now}) FROM created)
  SELECT count(*)::integer AS created FROM created`;
