import type { Logger } from '../logging/logger.js';
import type { ActivityInput, ActivityOutput, AnyActivity } from './activity.js';
import type { AnyOrchestrator, OrchestratorInput, OrchestratorOutput } from './orchestrator.js';
import type { RetryPolicy } from './retry.js';
import type { Task, TimerTask } from './tasks.js';
import type { TaskResult } from './composite-tasks.js';

export interface TaskCallOptions {
  /** Retry failed attempts after durable-timer delays. */
  readonly retry?: RetryPolicy;
  readonly tags?: Readonly<Record<string, string>>;
  readonly version?: string;
}

export interface SubOrchestrationOptions extends TaskCallOptions {
  /** The child's instance id. Default: left empty, and the engine assigns one. */
  readonly instanceId?: string;
}

export interface WaitForExternalEventOptions {
  /**
   * Give up after this long: the task then fails with TaskCancelledError. 0 fails at once unless
   * an event is already buffered; absent or negative waits forever. A timeout takes a durable
   * timer (and its sequence number) only when no event is buffered, as in durabletask-go.
   */
  readonly timeoutMs?: number;
}

export interface ParentOrchestration {
  readonly name: string;
  readonly instanceId: string;
  readonly taskScheduledId: number;
}

/**
 * The orchestrator's view of its instance. Everything here is deterministic: replaying the same
 * history gives the same values, so orchestrator code must take time, ids and randomness from it
 * rather than from `Date`, `crypto` or `Math.random`.
 */
export interface OrchestrationContext {
  readonly instanceId: string;
  readonly executionId: string;
  /** The orchestrator's registered name. */
  readonly name: string;
  readonly version: string;
  readonly parent: ParentOrchestration | undefined;
  /** True while past events are replayed, false once the code runs on new events. */
  readonly isReplaying: boolean;
  /** The time of the current turn (its OrchestratorStarted event), not the wall clock. */
  readonly currentUtcDateTime: Date;
  /** A logger that stays silent while replaying, so each message is written once. */
  readonly log: Logger;

  /** A GUID that is the same on every replay (name-based on instance id, time and a counter). */
  newGuid(): string;

  callActivity<F extends AnyActivity>(
    activity: F,
    input?: ActivityInput<F>,
    options?: TaskCallOptions,
  ): Task<ActivityOutput<F>>;
  callActivity<TOutput = unknown>(name: string, input?: unknown, options?: TaskCallOptions): Task<TOutput>;

  callSubOrchestrator<F extends AnyOrchestrator>(
    orchestrator: F,
    input?: OrchestratorInput<F>,
    options?: SubOrchestrationOptions,
  ): Task<OrchestratorOutput<F>>;
  callSubOrchestrator<TOutput = unknown>(
    name: string,
    input?: unknown,
    options?: SubOrchestrationOptions,
  ): Task<TOutput>;

  /** A durable timer firing at `fireAt`, or `fireAt` seconds after the current time. */
  createTimer(fireAt: Date | number): TimerTask;

  /** The next event of this name (case-insensitive), first in first out; buffered until awaited. */
  waitForExternalEvent<T = unknown>(name: string, options?: WaitForExternalEventOptions): Task<T>;

  /** Raises an event on another instance (fire and forget). */
  sendEvent(instanceId: string, eventName: string, data?: unknown): void;

  /** A JSON value shown with the instance's status; undefined or null clears it. */
  setCustomStatus(value: unknown): void;

  /**
   * Restarts the instance with `newInput` once this turn ends. With `saveEvents`, events received
   * but not yet awaited are carried over to the new execution.
   */
  continueAsNew(newInput?: unknown, saveEvents?: boolean): void;

  whenAll<const T extends readonly Task<unknown>[]>(
    tasks: T,
  ): Task<{ -readonly [K in keyof T]: TaskResult<T[K]> }>;
  whenAny<T extends Task<unknown>>(tasks: readonly T[]): Task<T>;
}
