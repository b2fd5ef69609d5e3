import type { OrchestrationStatus } from '../../api/status.js';
import type { BackendNotification } from '../backend.js';

/** What one write changed, collected inside the transaction and announced after it commits. */
export class ChangeSet {
  orchestrationWork = false;
  activityWork = false;
  /** Instances whose row changed, with their status afterwards (undefined: deleted or unknown). */
  readonly updatedInstances = new Map<string, OrchestrationStatus | undefined>();

  /** Records that an instance changed; the last status recorded for it wins. */
  instanceUpdated(instanceId: string, status?: OrchestrationStatus): void {
    this.updatedInstances.set(instanceId, status);
  }

  get isEmpty(): boolean {
    return !this.orchestrationWork && !this.activityWork && this.updatedInstances.size === 0;
  }

  /** Adds what `other` changed to this set. */
  merge(other: ChangeSet): void {
    this.orchestrationWork ||= other.orchestrationWork;
    this.activityWork ||= other.activityWork;
    for (const [instanceId, status] of other.updatedInstances) this.instanceUpdated(instanceId, status);
  }

  /** The work kinds first, then one notification per updated instance. */
  toNotifications(): BackendNotification[] {
    const list: BackendNotification[] = [];
    if (this.orchestrationWork) list.push({ kind: 'orchestration-work' });
    if (this.activityWork) list.push({ kind: 'activity-work' });
    for (const [instanceId, status] of this.updatedInstances) {
      list.push({ kind: 'instance-updated', instanceId, ...(status !== undefined && { status }) });
    }
    return list;
  }
}

/**
 * In-process fan-out of backend notifications to subscribers. Listeners run synchronously; one
 * that throws is isolated from the others and from the caller (a broken listener must not turn a
 * committed write into a reported failure).
 */
export class NotificationListeners {
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

  clear(): void {
    this.#listeners.clear();
  }
}
