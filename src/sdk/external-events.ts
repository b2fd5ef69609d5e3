import type { HistoryEvent } from '../proto/orchestrator_service_pb.js';
import { decodePayload } from './payload.js';
import type { CompletableTask } from './tasks.js';

/**
 * External events of one replay: events received before anyone waits for them are buffered;
 * waiters that come first are queued. Both are FIFO per name, and names are case-insensitive
 * (durabletask-js lower-cases them; so do we).
 */
export class ExternalEvents {
  readonly #buffered = new Map<string, { readonly seq: number; readonly event: HistoryEvent }[]>();
  readonly #waiters = new Map<string, CompletableTask<unknown>[]>();
  #arrivals = 0;

  /** Hands `event` (an EventRaised) to the oldest waiter, or buffers it. True when a waiter took it. */
  deliver(event: HistoryEvent): boolean {
    const raised = event.eventType.case === 'eventRaised' ? event.eventType.value : undefined;
    if (!raised) return false;
    const key = keyOf(raised.name);
    const waiter = shiftFrom(this.#waiters, key);
    if (waiter) {
      waiter.complete(decodePayload(raised.input));
      return true;
    }
    const queue = this.#buffered.get(key) ?? [];
    queue.push({ seq: this.#arrivals++, event });
    this.#buffered.set(key, queue);
    return false;
  }

  /** The oldest buffered event of this name, removed from the buffer. */
  take(name: string): { value: unknown } | undefined {
    const entry = shiftFrom(this.#buffered, keyOf(name));
    if (!entry) return undefined;
    const raised = entry.event.eventType.case === 'eventRaised' ? entry.event.eventType.value : undefined;
    return { value: decodePayload(raised?.input) };
  }

  addWaiter(name: string, task: CompletableTask<unknown>): void {
    const key = keyOf(name);
    const queue = this.#waiters.get(key) ?? [];
    queue.push(task);
    this.#waiters.set(key, queue);
  }

  removeWaiter(name: string, task: CompletableTask<unknown>): void {
    const key = keyOf(name);
    const queue = this.#waiters.get(key);
    if (!queue) return;
    const index = queue.indexOf(task);
    if (index >= 0) queue.splice(index, 1);
    if (queue.length === 0) this.#waiters.delete(key);
  }

  /** Buffered events nobody took, in arrival order (for continue-as-new with saveEvents). */
  unconsumed(): HistoryEvent[] {
    return [...this.#buffered.values()]
      .flat()
      .sort((a, b) => a.seq - b.seq)
      .map((entry) => entry.event);
  }
}

function keyOf(name: string): string {
  return name.toLowerCase();
}

function shiftFrom<T>(map: Map<string, T[]>, key: string): T | undefined {
  const queue = map.get(key);
  if (!queue) return undefined;
  const first = queue.shift();
  if (queue.length === 0) map.delete(key);
  return first;
}
