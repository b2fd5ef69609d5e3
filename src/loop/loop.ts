import { ShutdownError } from '../api/errors.js';

/**
 * Loop<E>: the control-loop primitive. A loop owns its state through its handler and delivers
 * typed events to it one at a time, in FIFO order, so no two state transitions ever interleave
 * across an `await`.
 *
 * Lifecycle: open → closed (no new events; the queue drains) → ended (run() returned).
 * - `enqueue` never blocks; it returns false once the loop is closed or ended, and the caller
 *   keeps the responsibility for that event (for example, rejects its reply).
 * - `close(finalEvent)` accepts one last event, refuses later ones and resolves once run() has
 *   returned, whichever way it ended.
 * - `run(signal)` ends normally when closed and drained; with an error when a handler throws;
 *   early when `signal` aborts. In the last two cases every event still queued is passed to
 *   `handler.drop` so the replies it carries are answered.
 */

export interface LoopHandler<E> {
  /** Handles one event; the loop awaits it before the next (handlers should be short). */
  handle(event: E): void | Promise<void>;
  /**
   * Called once for each event that will never be handled (the loop ended by a handler error or
   * an abort), so its reply can be rejected.
   */
  drop?(event: E, reason: Error): void;
}

export interface LoopOptions {
  /** Names the loop in errors (for example, the ShutdownError given to dropped events). */
  readonly name?: string;
}

/** Compact the queue once this many delivered slots sit before the head (and they are most of it). */
const COMPACT_THRESHOLD = 1024;

export class Loop<E> {
  readonly #handler: LoopHandler<E>;
  readonly #name: string;
  /** Events in arrival order; slots before `#head` were delivered and cleared. */
  #queue: (E | undefined)[] = [];
  #head = 0;
  #closed = false;
  #ended = false;
  #runCalled = false;
  /** Wakes run() when it waits on an empty queue. */
  #wake: (() => void) | undefined;
  #closePromise: Promise<void> | undefined;
  readonly #runReturned: Promise<void>;
  #markRunReturned!: () => void;

  constructor(handler: LoopHandler<E>, options: LoopOptions = {}) {
    this.#handler = handler;
    this.#name = options.name ?? 'loop';
    this.#runReturned = new Promise<void>((resolve) => {
      this.#markRunReturned = resolve;
    });
  }

  /** Never blocks. False once the loop is closed (or ended): the event was not accepted. */
  enqueue(event: E): boolean {
    if (this.#closed) return false;
    this.#push(event);
    return true;
  }

  /**
   * Enqueues `finalEvent` (if given) as the last event, refuses later ones, drains, and resolves
   * when run() has returned (also when it ended with an error: run's caller owns that error).
   * Idempotent: later calls return the same promise; a final event they carry is dropped.
   */
  close(finalEvent?: E): Promise<void> {
    if (this.#closePromise) {
      if (finalEvent !== undefined) this.#dropOne(finalEvent, new ShutdownError(this.#name));
      return this.#closePromise;
    }
    if (finalEvent !== undefined) {
      if (this.#ended) this.#dropOne(finalEvent, new ShutdownError(this.#name));
      else this.#push(finalEvent);
    }
    this.#closed = true;
    this.#wakeRun();
    this.#closePromise = this.#runReturned;
    return this.#closePromise;
  }

  /**
   * Delivers events serially in FIFO order until closed and drained. Resolves on close; rejects
   * with the handler's error (remaining events are passed to drop). On signal abort: stops, drops
   * the remaining events with a ShutdownError, resolves. Calling run twice is an error.
   */
  async run(signal?: AbortSignal): Promise<void> {
    if (this.#runCalled) throw new Error(`${this.#name}: run() was already called`);
    this.#runCalled = true;
    const onAbort = (): void => this.#wakeRun();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await this.#deliver(signal);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#closed = true;
      this.#ended = true;
      this.#markRunReturned();
    }
  }

  async #deliver(signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      if (signal?.aborted) {
        this.#end(new ShutdownError(this.#name));
        return;
      }
      if (this.#head < this.#queue.length) {
        const event = this.#take();
        try {
          const pending = this.#handler.handle(event);
          if (pending !== undefined) await pending;
        } catch (err) {
          this.#end(err instanceof Error ? err : new Error(String(err), { cause: err }));
          throw err;
        }
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }

  #push(event: E): void {
    this.#queue.push(event);
    this.#wakeRun();
  }

  #take(): E {
    const event = this.#queue[this.#head] as E;
    this.#queue[this.#head] = undefined;
    this.#head++;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head >= COMPACT_THRESHOLD && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return event;
  }

  #wakeRun(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Ends the loop early: refuses new events and drops every queued one with `reason`. */
  #end(reason: Error): void {
    this.#closed = true;
    this.#ended = true;
    while (this.#head < this.#queue.length) this.#dropOne(this.#take(), reason);
  }

  #dropOne(event: E, reason: Error): void {
    try {
      this.#handler.drop?.(event, reason);
    } catch {
      // A failing drop must not stop the others from being answered.
    }
  }
}
