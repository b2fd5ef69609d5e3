import { timerDelay, type Clock, type TimerHandle } from '../clock.js';

interface PendingTimer {
  readonly id: number;
  readonly dueAt: number;
  readonly fn: () => void;
}

/** Default start: a fixed, realistic epoch, so stored times look like real ones. */
export const FAKE_CLOCK_START_MS = Date.UTC(2030, 0, 1);

/**
 * A virtual clock for tests: time moves only through `advance`, which fires due timers in order
 * of due time (then of arming). `pendingCount` lets a test check that nothing was left armed.
 */
export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers: PendingTimer[] = [];

  constructor(startMs = FAKE_CLOCK_START_MS) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const timer: PendingTimer = { id: this.#nextId++, dueAt: this.#now + timerDelay(ms), fn };
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

  /** Timers armed and not yet fired or cancelled. */
  get pendingCount(): number {
    return this.#timers.length;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due, earliest first; `now()` reads
   * each timer's due time while it runs. A timer armed by a callback fires too if it falls due.
   */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('A clock never goes back.');
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
