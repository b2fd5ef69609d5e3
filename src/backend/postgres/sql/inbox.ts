/**
 * Adding events to inboxes (see compile.ts for `{schema}`, `{now}` and `$1`). Inserting through
 * the instance row `FOR KEY SHARE` makes the insert wait for a concurrent delete of that instance
 * and then find it gone, so no event is ever left behind for a purged instance.
 */

/** Adds one event to an existing instance; no row returned means the instance does not exist. */
export const INSERT_INBOX_IF_INSTANCE = `
  INSERT INTO {schema}.inbox (instance_id, event, visible_at)
  SELECT id, $3, COALESCE($4::bigint, {now}) FROM {schema}.instances WHERE id = $2 FOR KEY SHARE
  RETURNING id`;

/** Adds one event to an existing instance of the given execution (activity results). */
export const INSERT_INBOX_IF_EXECUTION = `
  INSERT INTO {schema}.inbox (instance_id, event, visible_at)
  SELECT id, $4, {now} FROM {schema}.instances WHERE id = $2 AND execution_id = $3 FOR KEY SHARE
  RETURNING id`;

/**
 * Adds events to instances in array order (NULL visible time: now); events for instances that do
 * not exist are dropped.
 */
export const INSERT_INBOX_BATCH = `
  INSERT INTO {schema}.inbox (instance_id, event, visible_at)
  SELECT i.id, m.event, COALESCE(m.visible_at, {now})
  FROM unnest($2::text[], $3::bytea[], $4::bigint[]) WITH ORDINALITY AS m(target, event, visible_at, ord)
  JOIN {schema}.instances i ON i.id = m.target
  ORDER BY m.ord
  FOR KEY SHARE OF i`;

/**
 * Puts events back into an instance's inbox at the given (just consumed) row ids, so they keep
 * their place ahead of events that arrived during the turn. Runs after those rows were deleted.
 */
export const REQUEUE_INBOX_AT_IDS = `
  INSERT INTO {schema}.inbox (id, instance_id, event, visible_at) OVERRIDING SYSTEM VALUE
  SELECT r.id, $2, r.event, {now} FROM unnest($3::bigint[], $4::bytea[]) AS r(id, event)`;

/**
 * Brings a PENDING instance's scheduled start forward to now, with its start event (its only
 * inbox row in the future): a terminate does not wait for the start time.
 */
export const START_PENDING_NOW = `
  WITH started AS (
    UPDATE {schema}.instances SET scheduled_start_at = NULL
    WHERE id = $2 AND status = $3 AND scheduled_start_at > {now}
    RETURNING id)
  UPDATE {schema}.inbox SET visible_at = {now}
  WHERE instance_id IN (SELECT id FROM started) AND visible_at > {now}`;
