import type { Clock } from '../../loop/clock.js';
import { ChangeSet } from './notifier.js';

/**
 * Group commit: writes submitted during one turn of the event loop run in ONE SQLite transaction,
 * each inside its own savepoint, so a batch pays for one fsync instead of one per write (with
 * synchronous=FULL the fsync dominates). A write that throws rolls back to its savepoint only and
 * rejects its own promise; the others commit. Promises settle, and notifications go out, only
 * after the batch has committed, so a resolved write is durable (unless submitted as not durable,
 * see WriteOptions).
 */

export interface GroupCommitDeps {
  /**
   * Runs `fn` in an outer write transaction (BEGIN IMMEDIATE … COMMIT). `durable` false: what it
   * writes may be lost on power loss, so the commit need not wait for the disk.
   */
  readonly inTransaction: <T>(fn: () => T, durable: boolean) => T;
  /** Runs `fn` in a savepoint of the current transaction, rolled back if `fn` throws. */
  readonly inSavepoint: <T>(fn: () => T) => T;
  readonly clock: Pick<Clock, 'now'>;
  /** Schedules a batch flush after the current turn (default: setImmediate). */
  readonly schedule: (flush: () => void) => void;
  /** Announces what a committed write changed. */
  readonly onCommitted: (changes: ChangeSet) => void;
}

/** How a write may be committed. */
export interface WriteOptions {
  /**
   * False for writes whose loss on power failure is harmless (leases and renewals: a lost lease
   * is gone, the work is leased again and redone). Such a write does not wait for a batch: it
   * runs at once in its own transaction, committed without waiting for the disk; the next
   * durable commit makes it durable too (the log is appended in order). Default true.
   */
  readonly durable?: boolean;
  /**
   * With `durable` false: join the batch instead of running at once (for writes where throughput
   * matters more than a turn of latency). A batch waits for the disk only when one of its writes
   * is durable. Default false.
   */
  readonly batched?: boolean;
}

interface PendingWrite {
  readonly work: (now: number, changes: ChangeSet) => unknown;
  readonly durable: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

interface Outcome {
  readonly write: PendingWrite;
  readonly ok: boolean;
  readonly value: unknown;
  readonly changes: ChangeSet;
}

export class GroupCommitter {
  readonly #deps: GroupCommitDeps;
  #pending: PendingWrite[] = [];

  constructor(deps: GroupCommitDeps) {
    this.#deps = deps;
  }

  /** Queues `work` for the next batch; settles with its result once the batch committed. */
  submit<T>(work: (now: number, changes: ChangeSet) => T, options: WriteOptions = {}): Promise<T> {
    const durable = options.durable !== false;
    if (!durable && options.batched !== true) return this.#runAtOnce(work);
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ work, durable, resolve: resolve as (value: unknown) => void, reject });
      if (this.#pending.length === 1) this.#deps.schedule(() => this.flush());
    });
  }

  /** Runs every queued write now (also called on stop, so none is left unanswered). */
  flush(): void {
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    let outcomes: Outcome[];
    try {
      outcomes = this.#deps.inTransaction(
        () => batch.map((write) => this.#runOne(write)),
        batch.some((write) => write.durable),
      );
    } catch (err) {
      // The commit itself failed (disk full, I/O error): nothing of the batch was written.
      for (const write of batch) write.reject(err);
      return;
    }
    for (const outcome of outcomes) {
      if (!outcome.ok) {
        outcome.write.reject(outcome.value);
        continue;
      }
      this.#deps.onCommitted(outcome.changes);
      outcome.write.resolve(outcome.value);
    }
  }

  /** Fails every queued write without running it (the backend is closing without a database). */
  rejectPending(err: unknown): void {
    const batch = this.#pending;
    this.#pending = [];
    for (const write of batch) write.reject(err);
  }

  /**
   * A write that need not be durable, in its own transaction now: a lease never waits for the
   * batch's fsync, so a worker fills its free slots at once and their commits share batches.
   */
  #runAtOnce<T>(work: (now: number, changes: ChangeSet) => T): Promise<T> {
    // The executor runs synchronously: the transaction has committed when submit() returns.
    return new Promise<T>((resolve, reject) => {
      const changes = new ChangeSet();
      let value: T;
      try {
        value = this.#deps.inTransaction(() => work(this.#deps.clock.now(), changes), false);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.#deps.onCommitted(changes);
      resolve(value);
    });
  }

  #runOne(write: PendingWrite): Outcome {
    const changes = new ChangeSet();
    try {
      const value = this.#deps.inSavepoint(() => write.work(this.#deps.clock.now(), changes));
      return { write, ok: true, value, changes };
    } catch (err) {
      return { write, ok: false, value: err, changes };
    }
  }
}
