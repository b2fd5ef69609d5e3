/**
 * Typed errors. Every error the engine reports to users is a DurableTaskError with a stable
 * string `code`, so callers can branch with `isDurableTaskError(err, 'INSTANCE_NOT_FOUND')`
 * as well as with `instanceof` (which fails across duplicated module copies).
 */

export const ERROR_CODES = [
  'INSTANCE_NOT_FOUND',
  'DUPLICATE_INSTANCE',
  'NOT_COMPLETED',
  'LOCK_LOST',
  'TASK_CANCELLED',
  'NON_DETERMINISM',
  'INVALID_ARGUMENT',
  'PAYLOAD_TOO_LARGE',
  'TASK_FAILED',
  'ORCHESTRATION_FAILED',
  'SHUTDOWN',
  'TIMEOUT',
  'NOT_SUPPORTED',
  'SCHEDULE_NOT_FOUND',
  'HTTP_LISTEN_FAILED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class DurableTaskError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export function isDurableTaskError(err: unknown, code?: ErrorCode): err is DurableTaskError {
  if (err instanceof DurableTaskError) return code === undefined || err.code === code;
  if (typeof err !== 'object' || err === null) return false;
  const candidate = (err as { code?: unknown }).code;
  return (
    typeof candidate === 'string' &&
    (ERROR_CODES as readonly string[]).includes(candidate) &&
    (code === undefined || candidate === code)
  );
}

export class InstanceNotFoundError extends DurableTaskError {
  readonly instanceId: string;
  constructor(instanceId: string) {
    super('INSTANCE_NOT_FOUND', `No orchestration instance with id '${instanceId}' exists.`);
    this.instanceId = instanceId;
  }
}

export class DuplicateInstanceError extends DurableTaskError {
  readonly instanceId: string;
  constructor(instanceId: string, status?: string) {
    super(
      'DUPLICATE_INSTANCE',
      `An orchestration instance with id '${instanceId}' already exists` +
        (status ? ` (status ${status}).` : '.'),
    );
    this.instanceId = instanceId;
  }
}

/** The operation needs a completed instance (purge) or a failed one (rewind). */
export class NotCompletedError extends DurableTaskError {
  readonly instanceId: string;
  constructor(instanceId: string, message?: string) {
    super('NOT_COMPLETED', message ?? `Orchestration instance '${instanceId}' has not completed.`);
    this.instanceId = instanceId;
  }
}

/** The lease of a work item expired or was taken by another worker; its commit was refused. */
export class LockLostError extends DurableTaskError {
  constructor(what: string) {
    super('LOCK_LOST', `The lease of ${what} was lost; the work will be redone.`);
  }
}

export class TaskCancelledError extends DurableTaskError {
  constructor(message = 'The task was cancelled.') {
    super('TASK_CANCELLED', message);
  }
}

export class NonDeterminismError extends DurableTaskError {
  constructor(message: string) {
    super('NON_DETERMINISM', message);
  }
}

export class InvalidArgumentError extends DurableTaskError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

export class PayloadTooLargeError extends DurableTaskError {
  readonly size: number;
  readonly limit: number;
  constructor(what: string, size: number, limit: number) {
    super('PAYLOAD_TOO_LARGE', `${what} is ${size} bytes, over the limit of ${limit} bytes.`);
    this.size = size;
    this.limit = limit;
  }
}

export class ShutdownError extends DurableTaskError {
  constructor(what = 'The component') {
    super('SHUTDOWN', `${what} is shutting down.`);
  }
}

export class TimeoutError extends DurableTaskError {
  constructor(message: string) {
    super('TIMEOUT', message);
  }
}

export class NotSupportedError extends DurableTaskError {
  constructor(message: string) {
    super('NOT_SUPPORTED', message);
  }
}

export class ScheduleNotFoundError extends DurableTaskError {
  readonly scheduleId: string;

  constructor(scheduleId: string) {
    super('SCHEDULE_NOT_FOUND', `No schedule with id '${scheduleId}' exists.`);
    this.scheduleId = scheduleId;
  }
}
