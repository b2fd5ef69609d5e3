import { ChangeSet, NotificationListeners } from '../shared/notification-listeners.js';

export { ChangeSet };

/**
 * In-process fan-out of backend notifications. Listeners run synchronously after the transaction
 * that caused them has committed (see NotificationListeners for how failures are isolated).
 */
export class Notifier extends NotificationListeners {
  /** Emits the work kinds and instance updates one operation produced. */
  emitAll(changes: ChangeSet): void {
    for (const notification of changes.toNotifications()) this.emit(notification);
  }
}
