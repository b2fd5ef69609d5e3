import type { ClientTimers } from '../timers.js';

/**
 * Timers on a manual clock: nothing fires until `advance` moves the clock past a timer's due
 * time. `pendingCount` lets tests check that a component left no timer behind.
 */
export class ManualTimers implements ClientTimers {
  #now = 0;
  #nextHandle = 1;
  readonly #pending = new Map<number, { readonly dueAt: number; readonly callback: () => void }>();

  get now(): number {
    return this.#now;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.#nextHandle++;
    this.#pending.set(handle, { dueAt: this.#now + Math.max(0, ms), callback });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  /** Moves the clock forward by `ms`, firing due timers in due-time order. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: [number, { readonly dueAt: number; readonly callback: () => void }] | undefined;
      for (const entry of this.#pending) {
        if (entry[1].dueAt <= target && (next === undefined || entry[1].dueAt < next[1].dueAt)) next = entry;
      }
      if (next === undefined) break;
      this.#pending.delete(next[0]);
      this.#now = next[1].dueAt;
      next[1].callback();
    }
    this.#now = target;
  }
}
