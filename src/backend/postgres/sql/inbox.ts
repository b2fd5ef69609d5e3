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
 * Locks an instance against new inbox rows until the transaction ends (FOR UPDATE conflicts with
 * the FOR KEY SHARE every insert takes), and waits for inserts already under way to commit.
 */
export const LOCK_INSTANCE_INBOX = `SELECT 1 FROM {schema}.instances WHERE id = $1 FOR UPDATE`;

/** Takes every inbox row of an instance out, in arrival order, with what a move must keep. */
export const TAKE_INBOX_OF = `
  WITH taken AS (DELETE FROM {schema}.inbox WHERE instance_id = $1 RETURNING id, event, visible_at, lease_count)
  SELECT event, visible_at, lease_count FROM taken ORDER BY id`;

/** Adds rows to one instance's inbox in array order, keeping their visibility and lease count. */
export const INSERT_INBOX_ROWS = `
  INSERT INTO {schema}.inbox (instance_id, event, visible_at, lease_count)
  SELECT $1, r.event, r.visible_at, r.lease_count
  FROM unnest($2::bytea[], $3::bigint[], $4::integer[]) WITH ORDINALITY AS r(event, visible_at, lease_count, ord)
  ORDER BY r.ord`;

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
