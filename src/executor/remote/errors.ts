import { DurableTaskError } from '../../api/errors.js';

/**
 * A completion or abandon that matches no outstanding work item: an unknown or stale completion
 * token (the item was re-dispatched, cancelled or already completed), or an unknown
 * instanceId / taskId from a client that sends no token. Nothing changes when it is answered.
 */
export class UnknownWorkItemError extends DurableTaskError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/**
 * A second turn of an instance (or a second run of the same activity task) was asked for while
 * the first is still outstanding. The caller broke an invariant; the outstanding item is kept.
 */
export class DuplicateWorkItemError extends DurableTaskError {
  constructor(what: string) {
    super('INVALID_ARGUMENT', `${what} is already outstanding on a worker; a second one was refused.`);
  }
}

/**
 * The connected worker abandoned the work item (for example, a version it will not run). The
 * execute promise rejects with this so the caller abandons the item back to the store, whose
 * retry delay keeps a single worker from receiving the same item in a hot loop.
 */
export class WorkItemAbandonedError extends DurableTaskError {
  constructor(what: string) {
    super('TASK_CANCELLED', `The worker abandoned ${what}.`);
  }
}

/**
 * A work item was lost with its worker stream again and again (a worker that crashes on it):
 * the execute promise rejects with this so the caller abandons it to the store with a delay.
 */
export class WorkItemLostError extends DurableTaskError {
  constructor(what: string, losses: number) {
    super('TASK_CANCELLED', `${what} was lost with its worker stream ${losses} times.`);
  }
}

/**
 * Too many work items are waiting for a worker stream (none connected, or all busy or stalled):
 * the execute is refused so the item waits in the store instead of in memory.
 */
export class ExecutorOverloadedError extends DurableTaskError {
  constructor(what: string, waiting: number) {
    super(
      'TASK_CANCELLED',
      `${what} was refused: ${waiting} work items already wait for a worker stream; it stays in the store.`,
    );
  }
}
