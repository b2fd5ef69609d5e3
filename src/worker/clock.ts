/**
 * Time as the worker loops see it. Loops never read `Date.now()` or call `setTimeout` directly,
 * so tests (and a future deterministic simulator) can drive them with a virtual clock.
 */
export interface TimerHandle {
  /** Stops the timer; calling it after the timer fired, or twice, does nothing. */
  cancel(): void;
}

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds (negative counts as 0). */
  setTimer(ms: number, fn: () => void): TimerHandle;
}

/** setTimeout rejects delays above 2^31-1 ms (about 24.8 days) by firing at once. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** The wall clock and Node timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const timer = setTimeout(fn, Math.min(Math.max(ms, 0), MAX_TIMER_DELAY_MS));
    return { cancel: () => clearTimeout(timer) };
  },
};
