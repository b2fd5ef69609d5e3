import type { LogSink } from '../../logging/logger.js';
import { ChangeSet, encodeChanges } from './notifications.js';

/**
 * Tells other processes what this backend's writes changed, with NOTIFY sent AFTER the writes
 * committed, coalesced: changes announced while a NOTIFY is being sent go out together in the
 * next one, so there is at most one in flight and a burst of writes costs a few NOTIFYs.
 *
 * Why not NOTIFY inside the writing transaction: PostgreSQL serialises the commits of every
 * transaction that notifies (a cluster-wide lock held through the commit and its WAL flush), so
 * durable writes that notify cannot share a WAL flush and queue up one fsync after another. The
 * NOTIFY statement commits without waiting for the disk instead (see `send`).
 *
 * The cost: a process that dies between a commit and its NOTIFY leaves the others to find that
 * work by their safety-net poll, as after any missed notification.
 */

export interface RemoteAnnouncerDeps {
  /** Sends the payloads in one statement that commits without waiting for the WAL flush. */
  readonly send: (payloads: readonly string[]) => Promise<void>;
  /** Tags the payloads, so this backend ignores their echo (see notifications.ts). */
  readonly origin: string;
  /** Runs `fn` after the current turn of the event loop (default: setImmediate). */
  readonly schedule: (fn: () => void) => void;
  readonly logger: LogSink;
}

export class RemoteAnnouncer {
  readonly #deps: RemoteAnnouncerDeps;
  #pending = new ChangeSet();
  #flushScheduled = false;
  #inFlight: Promise<void> | undefined;

  constructor(deps: RemoteAnnouncerDeps) {
    this.#deps = deps;
  }

  /** Queues committed changes for the next NOTIFY. */
  announce(changes: ChangeSet): void {
    if (changes.isEmpty) return;
    this.#pending.merge(changes);
    this.#scheduleFlush();
  }

  /** Resolves once everything announced so far has been sent (or failed to be). */
  async drain(): Promise<void> {
    while (this.#inFlight || !this.#pending.isEmpty) {
      if (this.#inFlight) await this.#inFlight;
      else this.#flush();
    }
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#inFlight) return;
    this.#flushScheduled = true;
    this.#deps.schedule(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    if (this.#inFlight || this.#pending.isEmpty) return;
    const changes = this.#pending;
    this.#pending = new ChangeSet();
    this.#inFlight = this.#deps
      .send(encodeChanges(this.#deps.origin, changes))
      .catch((err: unknown) => {
        // Other processes find the work by their safety-net poll instead.
        this.#deps.logger.warn({ err }, 'Sending a change notification failed.');
      })
      .finally(() => {
        this.#inFlight = undefined;
        if (!this.#pending.isEmpty) this.#scheduleFlush();
      });
  }
}
