import type { OrchestrationStatus } from '../../api/status.js';
import type { BackendNotification } from '../backend.js';
import { ChangeSet, NotificationListeners } from '../shared/notification-listeners.js';

export { ChangeSet };

/**
 * Notifications of the PostgreSQL backend. A write collects what it changed in a ChangeSet; once
 * it has committed, the writing backend announces it to its own subscribers directly and to other
 * processes with NOTIFY (remote-announcer.ts). Each payload names its origin so the echo that
 * comes back through LISTEN is not announced twice.
 *
 * Payload: JSON `{ "s": origin, "o"?: 1, "a"?: 1, "u"?: [instanceId, …], "t"?: [status|null, …] }`
 * (`t[i]`: the status of `u[i]` after the update, null when not known), split so that none
 * exceeds PostgreSQL's 8000-byte limit.
 */

/** Room left under the 8000-byte NOTIFY limit for the JSON around the ids. */
const MAX_PAYLOAD_BYTES = 7500;

interface Payload {
  s: string;
  o?: 1;
  a?: 1;
  u?: string[];
  t?: (OrchestrationStatus | null)[];
}

/** The NOTIFY payloads for `changes` (none when nothing changed). */
export function encodeChanges(origin: string, changes: ChangeSet): string[] {
  if (changes.isEmpty) return [];
  const payloads: string[] = [];
  let current: Payload = { s: origin };
  if (changes.orchestrationWork) current.o = 1;
  if (changes.activityWork) current.a = 1;
  let size = Buffer.byteLength(JSON.stringify(current));
  for (const [instanceId, status] of changes.updatedInstances) {
    const idSize = Buffer.byteLength(JSON.stringify(instanceId)) + 12;
    if (current.u && size + idSize > MAX_PAYLOAD_BYTES) {
      payloads.push(JSON.stringify(current));
      current = { s: origin };
      size = Buffer.byteLength(JSON.stringify(current));
    }
    (current.u ??= []).push(instanceId);
    (current.t ??= []).push(status ?? null);
    size += idSize;
  }
  payloads.push(JSON.stringify(current));
  return payloads;
}

export interface DecodedPayload {
  readonly origin: string;
  readonly notifications: BackendNotification[];
}

/** Parses a payload; undefined when it is not one of ours. */
export function decodeChanges(payload: string): DecodedPayload | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { s, o, a, u, t } = value as Partial<Record<keyof Payload, unknown>>;
  if (typeof s !== 'string') return undefined;
  const changes = new ChangeSet();
  changes.orchestrationWork = o === 1;
  changes.activityWork = a === 1;
  if (Array.isArray(u)) {
    u.forEach((id: unknown, i) => {
      if (typeof id !== 'string') return;
      const status: unknown = Array.isArray(t) ? t[i] : undefined;
      changes.instanceUpdated(id, typeof status === 'number' ? status : undefined);
    });
  }
  return { origin: s, notifications: changes.toNotifications() };
}

/** In-process fan-out to subscribers (see NotificationListeners for how failures are isolated). */
export class NotificationFanOut {
  readonly #listeners: NotificationListeners;

  constructor(onListenerError: (err: unknown) => void) {
    this.#listeners = new NotificationListeners(onListenerError);
  }

  subscribe(listener: (notification: BackendNotification) => void): () => void {
    return this.#listeners.subscribe(listener);
  }

  emit(notifications: readonly BackendNotification[]): void {
    for (const notification of notifications) this.#listeners.emit(notification);
  }
}
