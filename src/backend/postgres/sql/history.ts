/** The history table: one row per event, numbered per instance from 0. */

export const SELECT_HISTORY = `SELECT event FROM {schema}.history WHERE instance_id = $1 ORDER BY seq`;

/** Appends events in array order after the last stored one. */
export const APPEND_HISTORY = `
  INSERT INTO {schema}.history (instance_id, seq, event)
  SELECT $1, (COALESCE((SELECT MAX(seq) + 1 FROM {schema}.history WHERE instance_id = $1), 0) + e.ord - 1)::integer,
    e.event
  FROM unnest($2::bytea[]) WITH ORDINALITY AS e(event, ord)`;

export const DELETE_HISTORY = `DELETE FROM {schema}.history WHERE instance_id = $1`;
