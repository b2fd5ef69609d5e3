import { RELAXED_COMMIT } from './compile.js';

/**
 * Notifications; delivered by PostgreSQL when (and only if) the transaction commits. Sent after
 * the writes they announce, in a transaction of their own that does not wait for the disk
 * (remote-announcer.ts says why).
 */

/** Sends each payload of `$2` on channel `$1`. */
export const NOTIFY = `
  WITH ${RELAXED_COMMIT}
  SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload CROSS JOIN relaxed`;
