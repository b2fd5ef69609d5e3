import type { OrchestrationStatus } from '../../api/status.js';
import type { BackendNotification } from '../backend.js';

/**
 * In-process fan-out of backend notifications. Listeners run synchronously after the transaction
 * that caused them has committed; a listener that throws is isolated from the others and from the
 * caller (a broken listener must not turn a committed write into a reported failure).
 */
export class Notifier {
  readonly #listeners = new Set<(notification: BackendNotification) => void>();
  readonly #onListenerError: (err: unknown) => void;

  constructor(onListenerError: (err: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  subscribe(listener: (notification: BackendNotification) => void): () => void {
    // Wrapped so the same function subscribed twice gets two independent subscriptions.
    const entry = (notification: BackendNotification): void => listener(notification);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  emit(notification: BackendNotification): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(notification);
      } catch (err) {
        this.#onListenerError(err);
      }
    }
  }

  /** Emits the work kinds and instance updates one operation produced. */
  emitAll(changes: ChangeSet): void {
    if (changes.orchestrationWork) this.emit({ kind: 'orchestration-work' });
    if (changes.activityWork) this.emit({ kind: 'activity-work' });
    for (const [instanceId, status] of changes.updatedInstances) {
      this.emit(
        status === undefined
          ? { kind: 'instance-updated', instanceId }
          : { kind: 'instance-updated', instanceId, status },
      );
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}

/** What one write changed, collected inside the transaction and announced after it commits. */
export class ChangeSet {
  orchestrationWork = false;
  activityWork = false;
  /** Updated instances with their status after the write (undefined: deleted or not known). */
  readonly updatedInstances = new Map<string, OrchestrationStatus | undefined>();
}
