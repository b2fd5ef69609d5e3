/**
 * Time as every layer sees it. Loops, backends and clients never read `Date.now()` or call
 * `setTimeout` directly; they take a `Clock`, so tests (and a future deterministic simulator)
 * drive them with a virtual one (`FakeClock` in `durabletask-ts/testing`).
 */
export interface TimerHandle {
  /** Stops the timer; calling it after the timer fired, or twice, does nothing. */
  cancel(): void;
}

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /**
   * Calls `fn` once after `ms` milliseconds (negative counts as 0, more than
   * `MAX_TIMER_DELAY_MS` counts as that). A timer never keeps the process alive on its own.
   */
  setTimer(ms: number, fn: () => void): TimerHandle;
}

/** setTimeout rejects delays above 2^31-1 ms (about 24.8 days) by firing at once. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Clamps a delay into what a timer accepts: [0, MAX_TIMER_DELAY_MS]. */
export function timerDelay(ms: number): number {
  return Math.min(Math.max(ms, 0), MAX_TIMER_DELAY_MS);
}

/** The wall clock and unref'd Node timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const timer = setTimeout(fn, timerDelay(ms));
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

/**
 * Keeps the process alive until the returned function is called: for a component that is
 * running (a started worker, a pending wait) while its own timers are unref'd.
 */
export function holdProcessOpen(): () => void {
  const handle = setInterval(() => undefined, MAX_TIMER_DELAY_MS);
  return () => clearInterval(handle);
}
