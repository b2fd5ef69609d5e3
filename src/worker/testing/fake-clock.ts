import type { Clock, TimerHandle } from '../clock.js';

interface PendingTimer {
  readonly id: number;
  readonly dueAt: number;
  readonly fn: () => void;
}

/** A virtual clock for tests: time moves only through `advance`, which fires due timers in order. */
export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers: PendingTimer[] = [];

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const timer: PendingTimer = { id: this.#nextId++, dueAt: this.#now + Math.max(ms, 0), fn };
    this.#timers.push(timer);
    return {
      cancel: () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
      },
    };
  }

  /** Due times (relative to now) of the timers not yet fired or cancelled, soonest first. */
  pendingDelays(): number[] {
    return this.#timers.map((t) => t.dueAt - this.#now).sort((a, b) => a - b);
  }

  get pendingCount(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const next = this.#timers
        .filter((t) => t.dueAt <= target)
        .sort((a, b) => a.dueAt - b.dueAt || a.id - b.id)[0];
      if (!next) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = next.dueAt;
      next.fn();
    }
    this.#now = target;
  }
}
