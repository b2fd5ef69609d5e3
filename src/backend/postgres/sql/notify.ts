/** Notifications; delivered by PostgreSQL when (and only if) the transaction commits. */

/** Sends each payload of `$2` on channel `$1`. */
export const NOTIFY = `SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload`;
