/** A manually driven clock for backends that accept an injected one (the SQLite backend does). */
export interface FakeClockControls {
  /** Current fake time (epoch ms). */
  now(): number;
  /** Moves the clock forward by `ms`. */
  advance(ms: number): void;
}

export interface FakeClock extends FakeClockControls {
  /** Pass this to the backend as its clock. */
  readonly clock: () => number;
}

/** Starts at `startMs` (default: a fixed, realistic epoch so stored times look like real ones). */
export function createFakeClock(startMs = Date.UTC(2030, 0, 1)): FakeClock {
  let current = startMs;
  return {
    clock: () => current,
    now: () => current,
    advance(ms: number): void {
      if (ms < 0) throw new RangeError('A clock never goes back.');
      current += ms;
    },
  };
}
