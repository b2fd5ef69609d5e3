import { RELAXED_COMMIT } from './compile.js';

/**
 * Orchestration leases (see compile.ts for `{schema}`, `{now}` and `$1`).
 *
 * A leased inbox row gets `visible_at = locked_until` (a visibility timeout), so an expired lease
 * makes its events visible again without a separate scan. Leases and renewals commit without
 * waiting for the disk (RELAXED_COMMIT in compile.ts). Instance rows are locked
 * `FOR NO KEY UPDATE`, which does not block the `FOR KEY SHARE` lock that adding an inbox row to
 * the instance takes: events keep arriving while a turn runs.
 */

/**
 * Leases up to `$6` turns in a single statement (atomic without BEGIN/COMMIT): the instances of
 * the oldest visible inbox events that no live lease holds and whose scheduled start has come
 * (events sent before it wait for the start), each with its visible inbox events in id order (at
 * most `$4` each; NULL: all), hidden until the lease ends. Each lease's token is `$2` suffixed with
 * its rank. One row per event, in lease order then event id; an instance whose events went away
 * meanwhile (a concurrent purge) comes as one row with NULL event columns.
 *
 * `candidates` reads (without locking) the first `$5` visible events of instances that look
 * leasable; `picked` then locks their instances, oldest event first. SKIP LOCKED lets concurrent
 * leasers pass each other instead of queueing on the same row, and after the row lock the WHERE
 * clause is rechecked on the newest row version, so a lease another worker committed meanwhile is
 * seen. Events are taken through the `leased` rows, so they are only touched for an instance
 * whose update happened.
 */
export const LEASE_NEXT_TURNS = `
  WITH ${RELAXED_COMMIT},
  candidates AS (
    SELECT e.instance_id, e.visible_at, e.id
    FROM {schema}.inbox e JOIN {schema}.instances i ON i.id = e.instance_id
    WHERE e.visible_at <= {now} AND (i.locked_until IS NULL OR i.locked_until <= {now})
      AND (i.scheduled_start_at IS NULL OR i.scheduled_start_at <= {now})
    ORDER BY e.visible_at, e.id
    LIMIT $5),
  picked AS MATERIALIZED (
    SELECT i.id, c.rank
    FROM (
      SELECT instance_id, row_number() OVER (ORDER BY min(visible_at), min(id)) AS rank
      FROM candidates GROUP BY instance_id) c
    JOIN {schema}.instances i ON i.id = c.instance_id
    WHERE (i.locked_until IS NULL OR i.locked_until <= {now})
      AND (i.scheduled_start_at IS NULL OR i.scheduled_start_at <= {now})
    ORDER BY c.rank
    LIMIT $6
    FOR NO KEY UPDATE OF i SKIP LOCKED),
  leased AS (
    UPDATE {schema}.instances i SET lock_token = $2::text || '.' || picked.rank, locked_until = {now} + $3
    FROM picked WHERE i.id = picked.id
    RETURNING i.id, i.lock_token, i.locked_until, i.history_version, picked.rank),
  events AS (
    UPDATE {schema}.inbox e SET visible_at = leased.locked_until, lease_count = e.lease_count + 1
    FROM leased
    WHERE e.instance_id = leased.id AND e.id IN (
      SELECT x.id FROM picked p CROSS JOIN LATERAL (
        SELECT y.id FROM {schema}.inbox y
        WHERE y.instance_id = p.id AND y.visible_at <= {now}
        ORDER BY y.id LIMIT $4) x)
    RETURNING e.instance_id, e.id, e.event, e.lease_count)
  SELECT leased.id AS instance_id, leased.lock_token, leased.locked_until, leased.history_version,
    events.id, events.event, events.lease_count
  FROM leased CROSS JOIN relaxed LEFT JOIN events ON events.instance_id = leased.id
  ORDER BY leased.rank, events.id`;

/**
 * Extends a live turn lease and keeps its inbox events hidden until the new expiry, in one
 * statement. No row: the lease was lost (and nothing changed).
 */
export const RENEW_TURN_LEASE = `
  WITH ${RELAXED_COMMIT},
  renewed AS (
    UPDATE {schema}.instances SET locked_until = {now} + $4
    WHERE id = $2 AND lock_token = $3 AND locked_until > {now}
    RETURNING id, locked_until),
  hidden AS (
    UPDATE {schema}.inbox e SET visible_at = renewed.locked_until
    FROM renewed
    WHERE e.instance_id = renewed.id AND e.id = ANY($5::bigint[]))
  SELECT locked_until FROM renewed CROSS JOIN relaxed`;

/**
 * Releases a lease. With a delay the instance stays closed to leases until then, so no later
 * event of it is handled before the delayed ones (turn order is arrival order).
 */
export const RELEASE_INSTANCE_LOCK = `
  UPDATE {schema}.instances
  SET lock_token = NULL, locked_until = CASE WHEN $4::bigint > 0 THEN {now} + $4::bigint END
  WHERE id = $2 AND lock_token = $3
  RETURNING {now} + $4::bigint AS visible_at`;

/** Locks the instance for a commit and reads its lease, with the time the commit runs at. */
export const LOCK_INSTANCE_FOR_COMMIT = `
  SELECT lock_token, locked_until, {now} AS now FROM {schema}.instances WHERE id = $2 FOR NO KEY UPDATE`;

export const SET_INBOX_VISIBLE_BY_IDS = `
  UPDATE {schema}.inbox SET visible_at = $3 WHERE instance_id = $1 AND id = ANY($2::bigint[])`;

export const DELETE_INBOX_BY_IDS = `
  DELETE FROM {schema}.inbox WHERE instance_id = $1 AND id = ANY($2::bigint[])`;

export const HAS_VISIBLE_INBOX = `
  SELECT EXISTS (SELECT 1 FROM {schema}.inbox WHERE instance_id = $2 AND visible_at <= {now}) AS found`;

/** The earliest time a hidden inbox row or task becomes visible (LEAST ignores NULLs). */
export const NEXT_DUE_TIME = `
  SELECT LEAST(
    (SELECT MIN(visible_at) FROM {schema}.inbox WHERE visible_at > {now}),
    (SELECT MIN(visible_at) FROM {schema}.tasks WHERE visible_at > {now})) AS due`;
