/**
 * What a work loop needs from the world, for one kind of work. The loop knows nothing about
 * orchestrations or activities: `process` runs one item to its end (a turn and its commit, an
 * activity and its completion), the other methods are the lease operations of the store.
 */
export interface LeasedWorkItem {
  readonly instanceId: string;
  /** How many times the item was leased before and not finished (0 on the first try). */
  readonly attempt: number;
}

export interface WorkSource<T extends LeasedWorkItem> {
  /** Leases the next visible item, or undefined. */
  lease(): Promise<T | undefined>;
  /**
   * Optional: leases up to `max` visible items at once (empty when none is visible). The loop
   * uses it when more than one slot is free.
   */
  leaseMany?(max: number): Promise<readonly T[]>;
  /** Extends the lease; rejects with LockLostError when it was lost. Resolves to the new expiry. */
  renew(item: T): Promise<number>;
  /** Releases the lease; the item becomes visible again after `delayMs`. */
  abandon(item: T, delayMs: number): Promise<void>;
  /** Epoch ms of the earliest work not yet visible, if any. */
  nextDueTime(): Promise<number | undefined>;
  /**
   * Runs the item to its end and records the result in the store. Rejects with LockLostError
   * when the store refused the result because the lease was lost, with another error when the
   * work failed (the item is then abandoned and retried). `signal` aborts it (shutdown, lease
   * lost); it must then settle promptly.
   */
  process(item: T, signal: AbortSignal): Promise<void>;
  /** Fields that identify an item in logs. */
  describe(item: T): Record<string, unknown>;
}
