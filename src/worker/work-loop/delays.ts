/** The delays of the work loop, each with the reason for its value. */

/** First retry delay of a failed item; doubled per attempt. */
const RETRY_BASE_DELAY_MS = 1_000;
/** Cap on a failed item's retry delay: a poison item costs at most one try a minute. */
const RETRY_MAX_DELAY_MS = 60_000;
/** First delay before leasing again after the store failed; doubled per failure, capped by the poll interval. */
const FETCH_RETRY_BASE_DELAY_MS = 100;
/**
 * Shortest wake-up delay. A due time already past usually means the due item is leased by another
 * worker; sleeping this long keeps the loop from spinning on it.
 */
export const MIN_WAKE_DELAY_MS = 10;

/** Delay before a failed item is retried: min(1 s × 2^attempt, 60 s). */
export function retryDelayMs(attempt: number): number {
  return Math.min(RETRY_BASE_DELAY_MS * 2 ** Math.max(attempt, 0), RETRY_MAX_DELAY_MS);
}

/** Delay before leasing again after the store failed `failures` times in a row. */
export function fetchRetryDelayMs(failures: number, pollIntervalMs: number): number {
  return Math.min(FETCH_RETRY_BASE_DELAY_MS * 2 ** Math.max(failures - 1, 0), pollIntervalMs);
}

/** First delay before a failed abandon is tried again; doubled per failure, capped by the poll interval. */
const ABANDON_RETRY_BASE_DELAY_MS = 100;

/**
 * Delay before trying again an abandon that failed `failures` times: the store is likely down, and
 * the item should be visible soon after it is back, not only once its lease expires.
 */
export function abandonRetryDelayMs(failures: number, pollIntervalMs: number): number {
  return Math.min(ABANDON_RETRY_BASE_DELAY_MS * 2 ** Math.max(failures - 1, 0), pollIntervalMs);
}
