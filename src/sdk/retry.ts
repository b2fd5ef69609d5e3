import { InvalidArgumentError } from '../api/errors.js';
import type { OrchestratorAction, TaskFailureDetails } from '../proto/orchestrator_service_pb.js';
import { CompletableTask } from './tasks.js';

/**
 * Retries of activities and sub-orchestrations. A failed attempt starts a durable timer; when it
 * fires the call is scheduled again under a new sequence number (durabletask-js numbering: the
 * retry timer takes the next number when the failure is replayed, the new attempt the next one
 * when the timer fires).
 */
export interface RetryPolicy {
  /** Total attempts, the first included. */
  readonly maxNumberOfAttempts: number;
  /** Delay before the second attempt. */
  readonly firstRetryIntervalMs: number;
  /** Each further delay is the previous one times this. Default 1 (constant delay). */
  readonly backoffCoefficient?: number;
  /** Upper bound of one delay. Default one hour, as in durabletask-js. */
  readonly maxRetryIntervalMs?: number;
  /** No attempt starts later than this after the first one. Default: no limit. */
  readonly retryTimeoutMs?: number;
  /** Decides whether a failure is worth retrying. Default: every failure is. */
  readonly handle?: (failure: TaskFailureDetails) => boolean;
}

const DEFAULT_MAX_RETRY_INTERVAL_MS = 60 * 60 * 1000;

/** Throws InvalidArgumentError when the policy cannot be followed. */
export function validateRetryPolicy(policy: RetryPolicy): void {
  const positive = (value: number | undefined): boolean =>
    value !== undefined && Number.isFinite(value) && value > 0;
  if (!positive(policy.maxNumberOfAttempts)) {
    throw new InvalidArgumentError('RetryPolicy.maxNumberOfAttempts must be a number greater than zero.');
  }
  if (!positive(policy.firstRetryIntervalMs)) {
    throw new InvalidArgumentError('RetryPolicy.firstRetryIntervalMs must be a number greater than zero.');
  }
  const coefficient = policy.backoffCoefficient ?? 1;
  if (!Number.isFinite(coefficient) || coefficient < 1) {
    throw new InvalidArgumentError('RetryPolicy.backoffCoefficient must be a number of at least 1.');
  }
  for (const key of ['maxRetryIntervalMs', 'retryTimeoutMs'] as const) {
    const value = policy[key];
    if (value !== undefined && !(Number.isFinite(value) && value >= policy.firstRetryIntervalMs)) {
      throw new InvalidArgumentError(`RetryPolicy.${key} must be at least firstRetryIntervalMs.`);
    }
  }
}

export interface RetryState {
  /** The attempt that just failed, counting from 1. */
  readonly attempt: number;
  /** Time since the first attempt was scheduled (orchestration time). */
  readonly elapsedMs: number;
  readonly failure: TaskFailureDetails;
}

/**
 * The delay before the next attempt, or undefined to give up: the failure is non-retriable or
 * refused by `handle` (also when `handle` throws), the attempts are used up, or the next attempt
 * would start after `retryTimeoutMs`.
 */
export function nextRetryDelayMs(policy: RetryPolicy, state: RetryState): number | undefined {
  if (state.failure.isNonRetriable) return undefined;
  if (policy.handle) {
    try {
      if (!policy.handle(state.failure)) return undefined;
    } catch {
      return undefined;
    }
  }
  if (state.attempt >= policy.maxNumberOfAttempts) return undefined;
  const coefficient = policy.backoffCoefficient ?? 1;
  const delay = Math.min(
    policy.firstRetryIntervalMs * Math.pow(coefficient, state.attempt - 1),
    policy.maxRetryIntervalMs ?? DEFAULT_MAX_RETRY_INTERVAL_MS,
  );
  if (policy.retryTimeoutMs !== undefined && state.elapsedMs + delay > policy.retryTimeoutMs)
    return undefined;
  return delay;
}

export type RetryableKind = 'activity' | 'subOrchestration';

/** An activity or sub-orchestration call with a retry policy; settles after its last attempt. */
export class RetryableTask<T> extends CompletableTask<T> {
  readonly policy: RetryPolicy;
  readonly kind: RetryableKind;
  /** Orchestration time of the first attempt. */
  readonly startedAt: Date;
  /** The action of the current attempt (its id changes with each attempt). */
  action: OrchestratorAction;
  attempt = 1;

  constructor(policy: RetryPolicy, kind: RetryableKind, action: OrchestratorAction, startedAt: Date) {
    super();
    this.policy = policy;
    this.kind = kind;
    this.action = action;
    this.startedAt = startedAt;
  }
}

/** The durable timer between two attempts of `retrying`. */
export class RetryTimerTask extends CompletableTask<void> {
  readonly retrying: RetryableTask<unknown>;

  constructor(retrying: RetryableTask<unknown>) {
    super();
    this.retrying = retrying;
  }
}
