import type { Reply } from '../../loop/reply.js';

/**
 * The events of a work loop: the orchestration worker (T = OrchestrationWorkItem) and the
 * activity worker (T = ActivityWorkItem) are two instances of the same loop. Events marked
 * "effect result" report the end of I/O the handler started; the handler posts them itself.
 */
export type WorkLoopEvent<T> =
  | WorkAvailable
  | WakeUpDue
  | Fetched<T>
  | FetchFailed
  | NextDueKnown
  | WorkDone
  | LeaseRenewDue
  | LeaseRenewed
  | LeaseRenewFailed
  | Abandoned
  | AbandonRetryDue
  | Shutdown;

/** Sent by the worker when the backend announces new work (in-process notify, LISTEN/NOTIFY). */
export interface WorkAvailable {
  readonly kind: 'WorkAvailable';
}

/**
 * Sent by the loop's own wake-up timer (the next due time, a fetch retry, the safety-net poll).
 * `generation` identifies the timer; a stale one (re-armed or cancelled since) is ignored.
 */
export interface WakeUpDue {
  readonly kind: 'WakeUpDue';
  readonly generation: number;
}

/** Effect result: a lease attempt returned these items (none when no work is visible). */
export interface Fetched<T> {
  readonly kind: 'Fetched';
  readonly items: readonly T[];
}

/** Effect result: a lease attempt threw (the store is unreachable, a transaction failed). */
export interface FetchFailed {
  readonly kind: 'FetchFailed';
  readonly error: unknown;
}

/** Effect result: the store's earliest not-yet-visible due time, undefined when none (or unknown). */
export interface NextDueKnown {
  readonly kind: 'NextDueKnown';
  readonly dueAt: number | undefined;
}

/** How a work item's processing (turn and commit, or activity and completion) ended. */
export type WorkOutcome =
  | { readonly kind: 'completed' }
  | { readonly kind: 'lock-lost'; readonly error: unknown }
  | { readonly kind: 'failed'; readonly error: unknown };

/** Effect result: the work of slot `slotId` settled. */
export interface WorkDone {
  readonly kind: 'WorkDone';
  readonly slotId: number;
  readonly outcome: WorkOutcome;
}

/** Sent by a slot's renewal timer: its lease is half spent. */
export interface LeaseRenewDue {
  readonly kind: 'LeaseRenewDue';
  readonly slotId: number;
}

/** Effect result: the lease of slot `slotId` now lasts until `lockedUntil` (store clock). */
export interface LeaseRenewed {
  readonly kind: 'LeaseRenewed';
  readonly slotId: number;
  readonly lockedUntil: number;
}

/** Effect result: renewing the lease of slot `slotId` failed (LockLostError: the lease is gone). */
export interface LeaseRenewFailed {
  readonly kind: 'LeaseRenewFailed';
  readonly slotId: number;
  readonly error: unknown;
}

/**
 * Effect result: handing an item back to the store ended (`error` set when that failed). `retryId`
 * names the abandon in its retries (see AbandonRetryDue).
 */
export interface Abandoned {
  readonly kind: 'Abandoned';
  readonly instanceId: string;
  readonly retryId: number;
  readonly error?: unknown;
}

/** Sent by the timer of an abandon that failed (the store was unreachable): try it again. */
export interface AbandonRetryDue {
  readonly kind: 'AbandonRetryDue';
  readonly retryId: number;
}

/**
 * Sent by the owner to stop: no more fetching, in-flight work aborted and abandoned back to the
 * store. `reply` resolves once every effect the loop started has settled and every timer is
 * cancelled; it is rejected only when the loop itself ends before (it is dropped).
 */
export interface Shutdown {
  readonly kind: 'Shutdown';
  readonly reply: Reply<void>;
}
