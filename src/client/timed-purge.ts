import { InvalidArgumentError } from '../api/errors.js';
import type { PurgeFilter, PurgeResult } from '../api/instance.js';
import type { Backend } from '../backend/backend.js';

/** Instances deleted per transaction by a purge bounded in time: short transactions, few round trips. */
export const DEFAULT_PURGE_BATCH_SIZE = 100;

export interface TimedPurgeOptions {
  /** Stop starting new batches once this much time has passed (ms, by the backend's clock). */
  readonly timeoutMs: number;
  /** Instances per batch (one transaction each). Default 100. */
  readonly batchSize?: number;
}

/**
 * Purges the terminal instances matching `filter` batch by batch, oldest first, until none is
 * left or the time is up (PurgeInstanceFilter.timeout of the protocol). At least one batch runs,
 * so a purge always makes progress; a batch that comes back short means nothing matched is left.
 */
export async function purgeWithin(
  backend: Backend,
  filter: PurgeFilter,
  options: TimedPurgeOptions,
): Promise<PurgeResult> {
  const batchSize = options.batchSize ?? DEFAULT_PURGE_BATCH_SIZE;
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs < 0) {
    throw new InvalidArgumentError(
      `The purge timeout must be a non-negative number; got ${options.timeoutMs}.`,
    );
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InvalidArgumentError(`The purge batch size must be a positive integer; got ${batchSize}.`);
  }
  const deadline = (await backend.now()) + options.timeoutMs;
  let deleted = 0;
  for (;;) {
    const count = await backend.purgeInstances({ ...filter, limit: batchSize });
    deleted += count;
    if (count < batchSize) return { deletedInstanceCount: deleted, isComplete: true };
    if ((await backend.now()) >= deadline) return { deletedInstanceCount: deleted, isComplete: false };
  }
}
