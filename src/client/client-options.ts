import { InvalidArgumentError } from '../api/errors.js';
import type { OrchestrationStatus } from '../api/status.js';
import type { Backend } from '../backend/backend.js';
import { SILENT_LOGGER, type Logger } from '../logging/logger.js';
import { DEFAULT_MAX_PAYLOAD_BYTES } from './payload.js';
import { systemClock, type Clock } from '../loop/clock.js';

export interface TaskHubClientOptions {
  readonly backend: Backend;
  /** Default: no logging. */
  readonly logger?: Logger;
  /**
   * How often a wait re-reads the instance when no notification arrived (ms). Only a safety net
   * for a lost notification; notifications do the real waking. Default 5000.
   */
  readonly pollIntervalMs?: number;
  /** Largest serialized payload (UTF-8 bytes of the JSON). Default 4 MiB. */
  readonly maxPayloadBytes?: number;
  /** Time and timers for waits; default the system clock. Tests inject a fake one. */
  readonly clock?: Clock;
}

/** An orchestrator function (its `name` is the orchestration name) or the name itself. */
export type OrchestratorRef = string | { readonly name: string };

export interface OrchestrationIdReusePolicy {
  /** An existing instance in one of these statuses is replaced by the new one. */
  readonly replaceableStatuses: readonly OrchestrationStatus[];
}

export interface ScheduleOrchestrationOptions {
  /** Default: a random UUID. */
  readonly instanceId?: string;
  /** The first turn runs no earlier than this; default at once. */
  readonly startAt?: Date;
  readonly version?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Which existing instance of the same id the new one replaces. Default: a COMPLETED, FAILED,
   * TERMINATED or CANCELED one (as the Durable Task Scheduler does); a pending, running or
   * suspended one is a DuplicateInstanceError.
   */
  readonly reusePolicy?: OrchestrationIdReusePolicy;
  /**
   * Refuse the id while any instance of it exists, completed ones included (DuplicateInstanceError).
   * Default false. Not combined with `reusePolicy`.
   */
  readonly enforceUniqueInstanceId?: boolean;
}

export interface GetStateOptions {
  /** Include input, output and custom status. Default true. */
  readonly fetchPayloads?: boolean;
}

export interface WaitOptions extends GetStateOptions {
  /** Reject with TimeoutError after this many ms; default: wait without limit. */
  readonly timeoutMs?: number;
  /** Aborting rejects the wait with the signal's reason. */
  readonly signal?: AbortSignal;
}

export interface TerminateOptions {
  /** JSON-serializable output recorded on the terminated instance. */
  readonly output?: unknown;
  /** Terminate sub-orchestrations too. Default true. */
  readonly recursive?: boolean;
}

export interface PurgeOptions {
  /** Purge sub-orchestrations too. Default true. */
  readonly recursive?: boolean;
}

export interface RestartOptions {
  /** Start the copy under a fresh id (true) or replace the terminal instance (false). Default false. */
  readonly newInstanceId?: boolean;
}

const DEFAULT_POLL_INTERVAL_MS = 5_000;

/** The options with defaults filled in and checked once. */
export interface CompiledClientOptions {
  readonly backend: Backend;
  readonly logger: Logger;
  readonly pollIntervalMs: number;
  readonly maxPayloadBytes: number;
  readonly clock: Clock;
}

export function compileClientOptions(options: TaskHubClientOptions): CompiledClientOptions {
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  assertPositive(pollIntervalMs, 'pollIntervalMs');
  assertPositive(maxPayloadBytes, 'maxPayloadBytes');
  return {
    backend: options.backend,
    logger: (options.logger ?? SILENT_LOGGER).child({ component: 'client' }),
    pollIntervalMs,
    maxPayloadBytes,
    clock: options.clock ?? systemClock,
  };
}

export function assertPositive(value: number, what: string): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(`${what} must be a positive number; got ${value}.`);
  }
}

export function assertTimeout(timeoutMs: number | undefined): void {
  if (timeoutMs !== undefined && (!Number.isFinite(timeoutMs) || timeoutMs < 0)) {
    throw new InvalidArgumentError(`timeoutMs must be a non-negative number; got ${timeoutMs}.`);
  }
}

/** Checks what the type system cannot promise to JavaScript callers: dates, versions and tags. */
export function assertScheduleOptions(options: ScheduleOrchestrationOptions): void {
  const { startAt, version, tags } = options;
  if (options.enforceUniqueInstanceId === true && options.reusePolicy !== undefined) {
    throw new InvalidArgumentError('enforceUniqueInstanceId and reusePolicy cannot be combined.');
  }
  if (startAt !== undefined && !(startAt instanceof Date && Number.isFinite(startAt.getTime()))) {
    throw new InvalidArgumentError('startAt must be a valid Date.');
  }
  if (version !== undefined && typeof version !== 'string') {
    throw new InvalidArgumentError('version must be a string.');
  }
  if (tags !== undefined) {
    if (typeof tags !== 'object' || tags === null) throw new InvalidArgumentError('tags must be an object.');
    for (const [key, value] of Object.entries(tags)) {
      if (typeof value !== 'string')
        throw new InvalidArgumentError(`The tag '${key}' must have a string value.`);
    }
  }
}
