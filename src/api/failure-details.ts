import { create } from '@bufbuild/protobuf';
import { TaskFailureDetailsSchema, type TaskFailureDetails } from '../proto/orchestrator_service_pb.js';
import { DurableTaskError } from './errors.js';

/**
 * The one converter between JavaScript errors and the protocol's `TaskFailureDetails`, in both
 * directions. Field meanings follow the Durable Task SDKs: `errorType` is the error's name
 * (`err.name`, which users may customise, as durabletask-js does), `innerFailure` is built from
 * `err.cause`, and `isNonRetriable` comes from an `isNonRetriable: true` property on the error.
 */

/** Cause chains are cut after this many levels (a guard against cyclic `cause` links). */
const MAX_CAUSE_DEPTH = 10;

/** The errorType used for thrown values that are not Error objects (durabletask-js does the same). */
const UNKNOWN_ERROR_TYPE = 'UnknownError';

/** A task (activity or sub-orchestration) failed; `details` is the failure it reported. */
export class TaskFailedError extends DurableTaskError {
  readonly details: TaskFailureDetails;

  constructor(message: string, details: TaskFailureDetails) {
    super('TASK_FAILED', message);
    this.details = details;
  }

  /** The error type the failing code reported (for example `TypeError`). */
  get errorType(): string {
    return this.details.errorType;
  }

  get isNonRetriable(): boolean {
    return this.details.isNonRetriable;
  }
}

/** An orchestration instance ended FAILED; `details` is its recorded failure. */
export class OrchestrationFailedError extends DurableTaskError {
  readonly instanceId: string;
  readonly details: TaskFailureDetails;

  constructor(instanceId: string, details: TaskFailureDetails) {
    super(
      'ORCHESTRATION_FAILED',
      `Orchestration '${instanceId}' failed: ${details.errorType}: ${details.errorMessage}`,
    );
    this.instanceId = instanceId;
    this.details = details;
  }

  get errorType(): string {
    return this.details.errorType;
  }
}

export interface FailureDetailsOptions {
  /** Marks the failure as not worth retrying, whatever the error says. */
  readonly nonRetriable?: boolean;
}

/**
 * Failure details describing `err`. A TaskFailedError or OrchestrationFailedError carries the
 * failure it wraps as `innerFailure`, so the original error type and stack survive a failure that
 * travels up through several orchestrations.
 */
export function failureDetailsFromError(
  err: unknown,
  options: FailureDetailsOptions = {},
): TaskFailureDetails {
  const details = buildDetails(err, 0, new Set());
  if (options.nonRetriable) details.isNonRetriable = true;
  return details;
}

/** The error an orchestrator sees for a failed task: a TaskFailedError carrying `details`. */
export function errorFromFailureDetails(details: TaskFailureDetails, message?: string): TaskFailedError {
  return new TaskFailedError(message ?? details.errorMessage, details);
}

function buildDetails(err: unknown, depth: number, seen: Set<unknown>): TaskFailureDetails {
  seen.add(err);
  if (!(err instanceof Error)) {
    return create(TaskFailureDetailsSchema, {
      errorType: UNKNOWN_ERROR_TYPE,
      errorMessage: describeValue(err),
    });
  }
  const details = create(TaskFailureDetailsSchema, {
    errorType: err.name,
    errorMessage: err.message,
    isNonRetriable: (err as { isNonRetriable?: unknown }).isNonRetriable === true,
    ...(err.stack !== undefined && { stackTrace: err.stack }),
  });
  const inner = innerFailureOf(err, depth, seen);
  if (inner) details.innerFailure = inner;
  return details;
}

function innerFailureOf(err: Error, depth: number, seen: Set<unknown>): TaskFailureDetails | undefined {
  if (err instanceof TaskFailedError || err instanceof OrchestrationFailedError) return err.details;
  // A falsy cause ('' or 0) is still a cause; only null/undefined mean "none".
  if (err.cause === undefined || err.cause === null) return undefined;
  if (depth + 1 >= MAX_CAUSE_DEPTH || seen.has(err.cause)) return undefined;
  return buildDetails(err.cause, depth + 1, seen);
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}
