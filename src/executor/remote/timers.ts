/**
 * Clock and timers injected into the loops of the remote executor, so handlers never read the
 * wall clock or start timers themselves (tests and a simulator pass their own).
 */
export interface Clock {
  now(): number;
}

export interface TimerHandle {
  cancel(): void;
}

export interface Timers {
  /** Calls `callback` once after `delayMs`, unless cancelled first. */
  after(delayMs: number, callback: () => void): TimerHandle;
}

export const systemClock: Clock = { now: () => Date.now() };

export const systemTimers: Timers = {
  after(delayMs, callback) {
    const handle = setTimeout(callback, delayMs);
    // A pending ping must not keep the process alive on its own.
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};
