/**
 * Durable tasks: what an orchestrator yields. A task is pending until the replay settles it from
 * a history event (TaskCompleted, TimerFired, EventRaised, ...); the orchestrator then resumes
 * with its result, or with its error thrown at the `yield`.
 *
 * Tasks are deliberately not thenable: an `async function*` awaits what it yields, and a
 * thenable task would be awaited (and hang) instead of reaching the replay.
 */

type SettleListener = () => void;

export abstract class Task<T> {
  #state: 'pending' | 'completed' | 'failed' = 'pending';
  #result: T | undefined;
  #error: Error | undefined;
  #listeners: SettleListener[] = [];

  /** True once the task completed or failed. */
  get isComplete(): boolean {
    return this.#state !== 'pending';
  }

  get isFailed(): boolean {
    return this.#state === 'failed';
  }

  /** The result once completed successfully; undefined while pending or after a failure. */
  get result(): T | undefined {
    return this.#result;
  }

  /** The failure once failed, else undefined. */
  get error(): Error | undefined {
    return this.#error;
  }

  /** The result; throws the failure of a failed task, or an Error while the task is pending. */
  getResult(): T {
    if (this.#state === 'failed') throw this.#error as Error;
    if (this.#state === 'pending') throw new Error('The task has not completed yet.');
    return this.#result as T;
  }

  /** Runs `listener` once, when this task settles. Used by composite tasks and timeouts. */
  onSettled(listener: SettleListener): void {
    if (this.isComplete) throw new Error('The task has already settled.');
    this.#listeners.push(listener);
  }

  protected settleCompleted(value: T): void {
    this.#assertPending();
    this.#state = 'completed';
    this.#result = value;
    this.#notify();
  }

  protected settleFailed(error: Error): void {
    this.#assertPending();
    this.#state = 'failed';
    this.#error = error;
    this.#notify();
  }

  #assertPending(): void {
    // Settling twice means two history events resolved one task: a broken invariant.
    if (this.isComplete) throw new Error('The task has already settled.');
  }

  #notify(): void {
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) listener();
  }
}

/** A task settled from outside: by the replay, when its history event arrives. */
export class CompletableTask<T> extends Task<T> {
  complete(value: T): void {
    this.settleCompleted(value);
  }

  fail(error: Error): void {
    this.settleFailed(error);
  }
}

/**
 * A durable timer. `cancel()` stops waiting for it (the losing timeout of a race): the timer's
 * action is withdrawn if it was created in this turn, and a later TimerFired is ignored. Cancel
 * takes no sequence number, so it is replay-safe; a cancelled timer never completes.
 */
export class TimerTask extends CompletableTask<void> {
  #cancelHandler: (() => void) | undefined;
  #cancelled = false;

  get isCancelled(): boolean {
    return this.#cancelled;
  }

  cancel(): void {
    if (this.isComplete || this.#cancelled) return;
    this.#cancelled = true;
    this.#cancelHandler?.();
  }

  /** Set by the orchestration context that created the timer. */
  setCancelHandler(handler: () => void): void {
    this.#cancelHandler = handler;
  }
}
