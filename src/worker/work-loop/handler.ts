import { isDurableTaskError, ShutdownError } from '../../api/errors.js';
import { assertNever } from '../../loop/assert-never.js';
import type { LoopHandler } from '../../loop/loop.js';
import type { Clock, TimerHandle } from '../../loop/clock.js';
import type { LogSink } from '../../logging/logger.js';
import { abandonRetryDelayMs, fetchRetryDelayMs, MIN_WAKE_DELAY_MS, retryDelayMs } from './delays.js';
import type { WorkLoopEvent, WorkOutcome } from './events.js';
import type { LeasedWorkItem, WorkSource } from './work-source.js';

/**
 * The work loop: leases work items from the store while slots are free and runs each in a slot.
 * The orchestration worker and the activity worker are both this loop, over different sources.
 *
 * Events: see events.ts. State owned here, touched by nobody else:
 * - slots: the items being processed, each with its abort controller and lease-renewal timer;
 * - whether a lease attempt (fetch) or a next-due-time query is in flight, and whether work was
 *   announced while a fetch was in flight (it may have missed that work: fetch again);
 * - the single wake-up timer (next due time, fetch retry, safety-net poll);
 * - the count of effects started and not yet reported back.
 *
 * Invariants:
 * - at most one fetch in flight, and only while a slot is free: nothing is leased to wait in a
 *   queue while its lease runs out (back-pressure, as in the Go engine);
 * - with several slots free, one fetch asks for as many items as slots are free (when the source
 *   can lease a batch);
 * - after a fetch that found all it asked for the loop fetches again at once while slots remain;
 *   after one that found fewer it arms one wake-up timer for the store's next due time, capped by
 *   the poll interval (unless work was announced meanwhile: then it fetches again);
 * - a lease is renewed every renewal interval while its item is processed;
 * - a failed item is abandoned with a growing delay (by its attempt count); an item whose lease
 *   was lost is not abandoned (it is no longer ours);
 * - an abandon that fails (the store is unreachable) is tried again with a short backoff until it
 *   succeeds, the lease is reported lost, or a lock duration has passed (then the lease has
 *   expired and the item is visible anyway), so work interrupted by an outage resumes right after
 *   it instead of at its lease expiry.
 *
 * Shutdown: stop fetching, cancel the timers (abandon retries too: those leases expire), abort every slot (their items are abandoned with
 * no delay unless they completed), wait until every effect has settled, then answer every
 * Shutdown reply. Effects are promises whose outcome is posted back as an event; handlers
 * never await I/O.
 */

export interface WorkLoopConfig {
  /** Names the loop in logs and errors, e.g. 'orchestration worker'. */
  readonly name: string;
  /** How many items are processed at once. */
  readonly maxConcurrent: number;
  /** The lease length requested from the store. */
  readonly lockDurationMs: number;
  /** How often a held lease is renewed; less than lockDurationMs. */
  readonly renewIntervalMs: number;
  /** The longest the loop sleeps without asking the store (safety net for lost notifications). */
  readonly pollIntervalMs: number;
}

export interface WorkLoopDeps<T extends LeasedWorkItem> {
  readonly source: WorkSource<T>;
  readonly clock: Clock;
  /** Delivers an event to this handler's loop; false once the loop is closed. */
  readonly post: (event: WorkLoopEvent<T>) => boolean;
  readonly logger: LogSink;
}

/** An abandon in progress: tried again while the store refuses it. */
interface PendingAbandon<T> {
  readonly item: T;
  readonly delayMs: number;
  /** When the first try failed; retries stop a lock duration later. */
  firstFailureAt: number | undefined;
  failures: number;
  timer: TimerHandle | undefined;
}

interface Slot<T> {
  readonly item: T;
  readonly controller: AbortController;
  renewTimer: TimerHandle | undefined;
  renewing: boolean;
  /** The store said the lease is gone: the item must not be abandoned. */
  leaseLost: boolean;
}

export type WorkLoopPhase = 'running' | 'stopping' | 'stopped';

export interface WorkLoopSnapshot {
  readonly phase: WorkLoopPhase;
  readonly busySlots: number;
  readonly fetching: boolean;
  readonly pendingEffects: number;
  readonly wakeUpArmed: boolean;
}

export class WorkLoopHandler<T extends LeasedWorkItem> implements LoopHandler<WorkLoopEvent<T>> {
  readonly #config: WorkLoopConfig;
  readonly #deps: WorkLoopDeps<T>;
  #phase: WorkLoopPhase = 'running';
  readonly #slots = new Map<number, Slot<T>>();
  #nextSlotId = 1;
  #fetching = false;
  /** How many items the fetch in flight asked for. */
  #requested = 1;
  /** Work was announced while a fetch was in flight. */
  #recheck = false;
  #consecutiveFetchFailures = 0;
  #dueQueryInFlight = false;
  #wakeTimer: TimerHandle | undefined;
  #wakeGeneration = 0;
  #pendingEffects = 0;
  readonly #abandons = new Map<number, PendingAbandon<T>>();
  #nextAbandonId = 1;
  #shutdownReplies: { resolve(): void }[] = [];

  constructor(config: WorkLoopConfig, deps: WorkLoopDeps<T>) {
    this.#config = config;
    this.#deps = deps;
  }

  snapshot(): WorkLoopSnapshot {
    return {
      phase: this.#phase,
      busySlots: this.#slots.size,
      fetching: this.#fetching,
      pendingEffects: this.#pendingEffects,
      wakeUpArmed: this.#wakeTimer !== undefined,
    };
  }

  handle(event: WorkLoopEvent<T>): void {
    switch (event.kind) {
      case 'WorkAvailable':
        this.#onWorkAvailable();
        break;
      case 'WakeUpDue':
        if (event.generation !== this.#wakeGeneration || this.#wakeTimer === undefined) break;
        this.#wakeTimer = undefined;
        this.#onWorkAvailable();
        break;
      case 'Fetched':
        this.#effectSettled();
        this.#onFetched(event.items);
        break;
      case 'FetchFailed':
        this.#effectSettled();
        this.#onFetchFailed(event.error);
        break;
      case 'NextDueKnown':
        this.#effectSettled();
        this.#dueQueryInFlight = false;
        this.#onNextDueKnown(event.dueAt);
        break;
      case 'WorkDone':
        this.#effectSettled();
        this.#onWorkDone(event.slotId, event.outcome);
        break;
      case 'LeaseRenewDue':
        this.#onLeaseRenewDue(event.slotId);
        break;
      case 'LeaseRenewed':
        this.#effectSettled();
        this.#onLeaseRenewed(event.slotId);
        break;
      case 'LeaseRenewFailed':
        this.#effectSettled();
        this.#onLeaseRenewFailed(event.slotId, event.error);
        break;
      case 'Abandoned':
        this.#effectSettled();
        this.#onAbandoned(event.retryId, event.error);
        break;
      case 'AbandonRetryDue': {
        const pending = this.#abandons.get(event.retryId);
        if (pending === undefined || pending.timer === undefined) break;
        pending.timer = undefined;
        this.#startAbandon(event.retryId, pending);
        break;
      }
      case 'Shutdown':
        if (this.#phase === 'stopped') event.reply.resolve();
        else this.#shutdownReplies.push(event.reply);
        this.#beginShutdown();
        break;
      default:
        assertNever(event, 'work loop event');
    }
    this.#finishShutdownWhenSettled();
  }

  drop(event: WorkLoopEvent<T>, reason: Error): void {
    if (event.kind === 'Shutdown') event.reply.reject(reason);
  }

  /**
   * Cancels every timer and aborts every slot. For the owner to call once the loop has ended by
   * other means than Shutdown (its run was aborted, or a handler threw), so nothing keeps running.
   */
  dispose(): void {
    this.#cancelWakeUp();
    this.#cancelAbandonRetries();
    for (const slot of this.#slots.values()) {
      slot.renewTimer?.cancel();
      slot.renewTimer = undefined;
      slot.controller.abort(new ShutdownError(this.#config.name));
    }
  }

  #onWorkAvailable(): void {
    if (this.#fetching) this.#recheck = true;
    else this.#fetchIfSlotFree();
  }

  #fetchIfSlotFree(): void {
    if (this.#phase !== 'running' || this.#fetching) return;
    if (this.#slots.size >= this.#config.maxConcurrent) return;
    this.#cancelWakeUp();
    this.#fetching = true;
    this.#recheck = false;
    const { source } = this.#deps;
    const free = this.#config.maxConcurrent - this.#slots.size;
    // Several free slots are filled by one lease call when the source can (one transaction).
    const many = source.leaseMany !== undefined && free > 1;
    this.#requested = many ? free : 1;
    this.#startEffect(
      (): Promise<readonly T[]> =>
        many && source.leaseMany
          ? source.leaseMany(free)
          : source.lease().then((item) => (item === undefined ? [] : [item])),
      (items) => ({ kind: 'Fetched', items }),
      (error) => ({ kind: 'FetchFailed', error }),
    );
  }

  #onFetched(items: readonly T[]): void {
    this.#fetching = false;
    this.#consecutiveFetchFailures = 0;
    for (const item of items) {
      // Leased while shutting down: hand it straight back.
      if (this.#phase !== 'running') this.#abandon(item, 0);
      else this.#startSlot(item);
    }
    if (this.#phase !== 'running') return;
    // Fewer items than asked for: the store had no more visible work when it answered.
    if (items.length < this.#requested && !this.#recheck) this.#queryNextDueTime();
    else this.#fetchIfSlotFree();
  }

  #onFetchFailed(error: unknown): void {
    this.#fetching = false;
    if (this.#phase !== 'running') return;
    this.#consecutiveFetchFailures++;
    const delay = fetchRetryDelayMs(this.#consecutiveFetchFailures, this.#config.pollIntervalMs);
    this.#deps.logger.warn(
      { err: error, retryInMs: delay, failures: this.#consecutiveFetchFailures },
      `${this.#config.name}: leasing work failed`,
    );
    this.#armWakeUp(delay);
  }

  /** The wake-up for delayed inbox events and durable timers (see runtime/durable-timers.ts). */
  #queryNextDueTime(): void {
    if (this.#dueQueryInFlight) return;
    this.#dueQueryInFlight = true;
    this.#startEffect(
      () => this.#deps.source.nextDueTime(),
      (dueAt) => ({ kind: 'NextDueKnown', dueAt }),
      (error) => {
        this.#deps.logger.warn({ err: error }, `${this.#config.name}: reading the next due time failed`);
        return { kind: 'NextDueKnown', dueAt: undefined };
      },
    );
  }

  #onNextDueKnown(dueAt: number | undefined): void {
    // A fetch started meanwhile (or no slot is free) decides the next wake-up instead.
    if (this.#phase !== 'running' || this.#fetching) return;
    if (this.#slots.size >= this.#config.maxConcurrent) return;
    const poll = this.#config.pollIntervalMs;
    const delay =
      dueAt === undefined
        ? poll
        : Math.min(Math.max(dueAt - this.#deps.clock.now(), MIN_WAKE_DELAY_MS), poll);
    this.#armWakeUp(delay);
  }

  #armWakeUp(delayMs: number): void {
    this.#cancelWakeUp();
    const generation = ++this.#wakeGeneration;
    this.#wakeTimer = this.#deps.clock.setTimer(delayMs, () => {
      this.#deps.post({ kind: 'WakeUpDue', generation });
    });
  }

  #cancelWakeUp(): void {
    this.#wakeTimer?.cancel();
    this.#wakeTimer = undefined;
  }

  #startSlot(item: T): void {
    const slotId = this.#nextSlotId++;
    const slot: Slot<T> = {
      item,
      controller: new AbortController(),
      renewTimer: undefined,
      renewing: false,
      leaseLost: false,
    };
    this.#slots.set(slotId, slot);
    this.#armRenewal(slotId, slot, this.#config.renewIntervalMs);
    this.#startEffect(
      () => this.#deps.source.process(item, slot.controller.signal),
      (): WorkLoopEvent<T> => ({ kind: 'WorkDone', slotId, outcome: { kind: 'completed' } }),
      (error): WorkLoopEvent<T> => ({
        kind: 'WorkDone',
        slotId,
        outcome: isDurableTaskError(error, 'LOCK_LOST')
          ? { kind: 'lock-lost', error }
          : { kind: 'failed', error },
      }),
    );
  }

  #onWorkDone(slotId: number, outcome: WorkOutcome): void {
    const slot = this.#slots.get(slotId);
    if (!slot) return;
    this.#slots.delete(slotId);
    slot.renewTimer?.cancel();
    slot.renewTimer = undefined;
    const fields = this.#deps.source.describe(slot.item);
    switch (outcome.kind) {
      case 'completed':
        break;
      case 'lock-lost':
        this.#deps.logger.warn(
          { ...fields, err: outcome.error },
          `${this.#config.name}: the lease was lost; the work will be redone`,
        );
        break;
      case 'failed':
        if (slot.leaseLost) {
          this.#deps.logger.warn(fields, `${this.#config.name}: stopped work whose lease was lost`);
        } else if (slot.controller.signal.aborted) {
          this.#abandon(slot.item, 0);
        } else {
          const delay = retryDelayMs(slot.item.attempt);
          this.#deps.logger.warn(
            { ...fields, err: outcome.error, retryInMs: delay },
            `${this.#config.name}: work failed; it will be retried`,
          );
          this.#abandon(slot.item, delay);
        }
        break;
      default:
        assertNever(outcome, 'work outcome');
    }
    this.#fetchIfSlotFree();
  }

  #armRenewal(slotId: number, slot: Slot<T>, delayMs: number): void {
    slot.renewTimer = this.#deps.clock.setTimer(delayMs, () => {
      this.#deps.post({ kind: 'LeaseRenewDue', slotId });
    });
  }

  #onLeaseRenewDue(slotId: number): void {
    const slot = this.#slots.get(slotId);
    if (!slot || slot.renewing || slot.leaseLost || this.#phase !== 'running') return;
    slot.renewTimer = undefined;
    slot.renewing = true;
    this.#startEffect(
      () => this.#deps.source.renew(slot.item),
      (lockedUntil): WorkLoopEvent<T> => ({ kind: 'LeaseRenewed', slotId, lockedUntil }),
      (error): WorkLoopEvent<T> => ({ kind: 'LeaseRenewFailed', slotId, error }),
    );
  }

  #onLeaseRenewed(slotId: number): void {
    const slot = this.#slots.get(slotId);
    if (!slot) return;
    slot.renewing = false;
    if (this.#phase === 'running') this.#armRenewal(slotId, slot, this.#config.renewIntervalMs);
  }

  #onLeaseRenewFailed(slotId: number, error: unknown): void {
    const slot = this.#slots.get(slotId);
    if (!slot) return;
    slot.renewing = false;
    if (isDurableTaskError(error, 'LOCK_LOST')) {
      // Another worker may already hold it: stop working on it, and do not abandon it.
      slot.leaseLost = true;
      slot.controller.abort(error);
      return;
    }
    this.#deps.logger.warn(
      { ...this.#deps.source.describe(slot.item), err: error },
      `${this.#config.name}: renewing a lease failed; retrying`,
    );
    // Most of the lease may be spent already: retry well before it runs out.
    const retryMs = Math.min(this.#config.renewIntervalMs, this.#config.lockDurationMs / 8);
    if (this.#phase === 'running') this.#armRenewal(slotId, slot, retryMs);
  }

  #abandon(item: T, delayMs: number): void {
    const retryId = this.#nextAbandonId++;
    const pending: PendingAbandon<T> = {
      item,
      delayMs,
      firstFailureAt: undefined,
      failures: 0,
      timer: undefined,
    };
    this.#abandons.set(retryId, pending);
    this.#startAbandon(retryId, pending);
  }

  #startAbandon(retryId: number, pending: PendingAbandon<T>): void {
    const { instanceId } = pending.item;
    this.#startEffect(
      () => this.#deps.source.abandon(pending.item, pending.delayMs),
      (): WorkLoopEvent<T> => ({ kind: 'Abandoned', instanceId, retryId }),
      (error): WorkLoopEvent<T> => ({ kind: 'Abandoned', instanceId, retryId, error }),
    );
  }

  #onAbandoned(retryId: number, error: unknown): void {
    const pending = this.#abandons.get(retryId);
    if (pending === undefined) return;
    const fields = this.#deps.source.describe(pending.item);
    const now = this.#deps.clock.now();
    pending.firstFailureAt ??= now;
    const expired = now - pending.firstFailureAt >= this.#config.lockDurationMs;
    if (error === undefined || isDurableTaskError(error, 'LOCK_LOST') || expired) {
      this.#abandons.delete(retryId);
      if (error !== undefined && !isDurableTaskError(error, 'LOCK_LOST')) {
        this.#deps.logger.warn(
          { ...fields, err: error, failures: pending.failures + 1 },
          `${this.#config.name}: abandoning a work item kept failing; its lease expires instead`,
        );
      }
      return;
    }
    if (this.#phase !== 'running') {
      this.#abandons.delete(retryId);
      return;
    }
    pending.failures++;
    const delay = abandonRetryDelayMs(pending.failures, this.#config.pollIntervalMs);
    if (pending.failures === 1) {
      this.#deps.logger.warn(
        { ...fields, err: error, retryInMs: delay },
        `${this.#config.name}: abandoning a work item failed; retrying until the store answers`,
      );
    }
    pending.timer = this.#deps.clock.setTimer(delay, () => {
      this.#deps.post({ kind: 'AbandonRetryDue', retryId });
    });
  }

  #cancelAbandonRetries(): void {
    for (const [retryId, pending] of this.#abandons) {
      if (pending.timer === undefined) continue; // a try in flight settles as an effect
      pending.timer.cancel();
      this.#abandons.delete(retryId);
    }
  }

  #beginShutdown(): void {
    if (this.#phase !== 'running') return;
    this.#phase = 'stopping';
    this.#recheck = false;
    this.#cancelWakeUp();
    this.#cancelAbandonRetries();
    const reason = new ShutdownError(this.#config.name);
    for (const slot of this.#slots.values()) {
      slot.renewTimer?.cancel();
      slot.renewTimer = undefined;
      slot.controller.abort(reason);
    }
  }

  #finishShutdownWhenSettled(): void {
    if (this.#phase !== 'stopping' || this.#pendingEffects > 0) return;
    this.#phase = 'stopped';
    const replies = this.#shutdownReplies;
    this.#shutdownReplies = [];
    for (const reply of replies) reply.resolve();
  }

  /** Starts I/O whose outcome comes back as an event; counted until that event is handled. */
  #startEffect<R>(
    start: () => Promise<R>,
    onSuccess: (value: R) => WorkLoopEvent<T>,
    onFailure: (error: unknown) => WorkLoopEvent<T>,
  ): void {
    this.#pendingEffects++;
    let promise: Promise<R>;
    try {
      promise = start();
    } catch (error) {
      this.#deps.post(onFailure(error)); // a synchronous throw is reported like a rejection
      return;
    }
    void promise.then(
      (value) => this.#deps.post(onSuccess(value)),
      (error: unknown) => this.#deps.post(onFailure(error)),
    );
  }

  #effectSettled(): void {
    this.#pendingEffects--;
  }
}
