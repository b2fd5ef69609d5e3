/**
 * Which PostgreSQL failures are worth retrying, as one table, and the single wrapper that retries
 * them. Everything else (constraint violations, syntax errors, domain errors) fails at once.
 */

/** SQLSTATE classes (first two characters) whose every code is transient. */
const TRANSIENT_SQLSTATE_CLASSES: ReadonlyMap<string, string> = new Map([['08', 'connection exception']]);

/** Single SQLSTATE codes that are transient. */
const TRANSIENT_SQLSTATES: ReadonlyMap<string, string> = new Map([
  ['40001', 'serialization failure'],
  ['40P01', 'deadlock detected'],
  ['57P01', 'admin shutdown (connection terminated)'],
  ['57P02', 'crash shutdown'],
  ['57P03', 'cannot connect now (server starting)'],
]);

/** Socket-level failures Node reports before PostgreSQL could answer. */
const TRANSIENT_SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

/** node-postgres reports a connection that closed under a query without any code. */
const CONNECTION_LOST_MESSAGE = /Connection terminated|Client has encountered a connection error/i;

/** Why `err` is transient, or undefined when it is not. */
export function transientReason(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    const exact = TRANSIENT_SQLSTATES.get(code);
    if (exact) return exact;
    if (code.length === 5) {
      const byClass = TRANSIENT_SQLSTATE_CLASSES.get(code.slice(0, 2));
      if (byClass) return byClass;
    }
    if (TRANSIENT_SOCKET_CODES.has(code)) return `socket error ${code}`;
  }
  const message = (err as { message?: unknown }).message;
  if (typeof message === 'string' && CONNECTION_LOST_MESSAGE.test(message)) return 'connection lost';
  return undefined;
}

/**
 * Whether the server itself answered a statement with this error (node-postgres' DatabaseError
 * carries the message's severity). A statement outside a transaction block that the server
 * answered with an error did not commit, whatever the error; a connection that broke without an
 * answer leaves that unknown.
 */
export function isServerErrorResponse(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { severity, code } = err as { severity?: unknown; code?: unknown };
  return typeof severity === 'string' && typeof code === 'string';
}

export function isTransientError(err: unknown): boolean {
  return transientReason(err) !== undefined;
}

export interface RetryPolicy {
  /** Total tries including the first. Default 4. */
  readonly maxAttempts: number;
  /** Delay before the first retry; doubles each time. Default 50 ms. */
  readonly baseDelayMs: number;
  /** Upper bound of one delay. Default 1000 ms. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 50, maxDelayMs: 1000 };

export interface RetryHooks {
  readonly sleep: (ms: number) => Promise<void>;
  /** Called before each retry (for logging). */
  readonly onRetry?: (info: { attempt: number; delayMs: number; reason: string; err: unknown }) => void;
}

/**
 * Runs `operation`, retrying transient failures with exponential backoff up to
 * `policy.maxAttempts` tries in all; the last failure is rethrown as it is.
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (err) {
      const reason = transientReason(err);
      if (reason === undefined || attempt >= policy.maxAttempts) throw err;
      const delayMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      hooks.onRetry?.({ attempt, delayMs, reason, err });
      await hooks.sleep(delayMs);
    }
  }
}

/**
 * A commit whose connection broke while COMMIT was in flight: it may or may not have been
 * applied, so it is not retried (a retry could apply it twice or report a misleading error).
 */
export class CommitOutcomeUnknownError extends Error {
  constructor(cause: unknown) {
    super('The connection was lost while committing; the transaction may or may not have been applied.', {
      cause,
    });
    this.name = 'CommitOutcomeUnknownError';
  }
}
