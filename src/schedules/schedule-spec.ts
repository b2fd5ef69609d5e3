import { Cron } from 'croner';
import { InvalidArgumentError } from '../api/errors.js';

/**
 * What a schedule runs and when. Either `cron` (five or six fields, seconds first when six, in
 * `timeZone`) or `intervalMs` (every so often from `startAt`, or from creation).
 */
export interface ScheduleSpec {
  readonly cron?: string;
  readonly intervalMs?: number;
  /** IANA time zone of the cron expression; default UTC. */
  readonly timeZone?: string;
  /** No tick before this time (epoch ms). */
  readonly startAt?: number;
  /** No tick after this time (epoch ms); the schedule then completes. */
  readonly endAt?: number;
  /** The orchestration each tick starts, and its input (any JSON value). */
  readonly orchestration: string;
  readonly input?: unknown;
  readonly version?: string;
  /** What a tick does while the previous run is still running; default `skip`. */
  readonly overlap?: OverlapPolicy;
  /**
   * After downtime, the latest missed tick still runs when it is at most this old; older ones are
   * counted as missed. Default one minute, at least ten seconds (so that a tick handled a little
   * late on a busy machine is never counted as missed).
   */
  readonly catchupWindowMs?: number;
}

/**
 * `skip`: a tick while the last run is running starts nothing. `buffer-one`: it starts one run as
 * soon as the last one ends (further ticks meanwhile are skipped). `allow-all`: every tick starts
 * a run.
 */
export type OverlapPolicy = 'skip' | 'buffer-one' | 'allow-all';

export const OVERLAP_POLICIES: readonly OverlapPolicy[] = ['skip', 'buffer-one', 'allow-all'];
export const DEFAULT_CATCHUP_WINDOW_MS = 60_000;
export const MIN_CATCHUP_WINDOW_MS = 10_000;
/** The shortest interval accepted: a schedule is no busy loop. */
export const MIN_INTERVAL_MS = 100;
/** Schedule ids are part of instance ids: keep them short and printable. */
const SCHEDULE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Throws InvalidArgumentError naming the first thing wrong with `spec`. */
export function assertValidScheduleSpec(spec: ScheduleSpec): void {
  if (typeof spec.orchestration !== 'string' || spec.orchestration.trim() === '') {
    throw new InvalidArgumentError('A schedule needs the name of the orchestration it starts.');
  }
  if ((spec.cron === undefined) === (spec.intervalMs === undefined)) {
    throw new InvalidArgumentError('A schedule needs exactly one of a cron expression or an interval.');
  }
  if (
    spec.intervalMs !== undefined &&
    !(Number.isInteger(spec.intervalMs) && spec.intervalMs >= MIN_INTERVAL_MS)
  ) {
    throw new InvalidArgumentError(
      `A schedule interval is a whole number of milliseconds, at least ${MIN_INTERVAL_MS}; got ${spec.intervalMs}.`,
    );
  }
  if (spec.timeZone !== undefined) assertTimeZone(spec.timeZone);
  if (spec.cron !== undefined) cronOf(spec.cron, spec.timeZone);
  for (const [field, value] of [
    ['startAt', spec.startAt],
    ['endAt', spec.endAt],
  ] as const) {
    if (value !== undefined && !Number.isFinite(value)) {
      throw new InvalidArgumentError(`A schedule's ${field} must be a time; got ${value}.`);
    }
  }
  if (spec.startAt !== undefined && spec.endAt !== undefined && spec.endAt <= spec.startAt) {
    throw new InvalidArgumentError("A schedule's endAt must come after its startAt.");
  }
  if (spec.overlap !== undefined && !OVERLAP_POLICIES.includes(spec.overlap)) {
    throw new InvalidArgumentError(
      `Unknown overlap policy '${String(spec.overlap)}'; use one of ${OVERLAP_POLICIES.join(', ')}.`,
    );
  }
  const window = spec.catchupWindowMs;
  if (window !== undefined && !(Number.isInteger(window) && window >= MIN_CATCHUP_WINDOW_MS)) {
    throw new InvalidArgumentError(
      `A catch-up window is a whole number of milliseconds, at least ${MIN_CATCHUP_WINDOW_MS}; got ${window}.`,
    );
  }
}

export function assertValidScheduleId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !SCHEDULE_ID.test(id)) {
    throw new InvalidArgumentError(
      `A schedule id is 1 to 128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit; got '${String(id)}'.`,
    );
  }
}

/** The first tick strictly after `afterMs`, or undefined when the schedule has no more. */
export function nextTickAfter(spec: ScheduleSpec, afterMs: number, anchorMs: number): number | undefined {
  const from = Math.max(afterMs, (spec.startAt ?? Number.NEGATIVE_INFINITY) - 1);
  let tick: number | undefined;
  if (spec.intervalMs !== undefined) {
    const anchor = spec.startAt ?? anchorMs;
    tick =
      from < anchor ? anchor : anchor + (Math.floor((from - anchor) / spec.intervalMs) + 1) * spec.intervalMs;
  } else if (spec.cron !== undefined) {
    tick = cronOf(spec.cron, spec.timeZone).nextRun(new Date(from))?.getTime();
  }
  if (tick === undefined || (spec.endAt !== undefined && tick > spec.endAt)) return undefined;
  return tick;
}

/** Ticks at most counted one by one after downtime (a bound on work). */
const MAX_TICKS_COUNTED = 100_000;

export interface DueTick {
  /** The tick to handle now: the oldest one due that is still within the catch-up window. */
  readonly tickAt: number;
  /** Whether it runs: false when every due tick is older than the window. */
  readonly runs: boolean;
  /** Ticks older than the window, counted and passed over. */
  readonly missed: number;
}

/**
 * What a schedule does when its timer for tick `due` fires at `now`. Each tick is handled once,
 * oldest first, so a busy engine that handles a tick late still runs every tick; after downtime,
 * ticks older than the catch-up window are counted as missed and passed over.
 */
export function dueTick(spec: ScheduleSpec, due: number, now: number, anchorMs: number): DueTick {
  const oldest = now - (spec.catchupWindowMs ?? DEFAULT_CATCHUP_WINDOW_MS);
  let tick = due;
  let missed = 0;
  while (tick < oldest) {
    const after = nextTickAfter(spec, tick, anchorMs);
    missed += 1;
    if (after === undefined || after > now || missed >= MAX_TICKS_COUNTED) {
      return { tickAt: tick, runs: false, missed };
    }
    tick = after;
  }
  return { tickAt: tick, runs: true, missed };
}

function cronOf(expression: string, timeZone: string | undefined): Cron {
  try {
    // Paused and without a callback: only computes times, never starts a timer.
    return new Cron(expression, { paused: true, ...(timeZone !== undefined && { timezone: timeZone }) });
  } catch (err) {
    throw new InvalidArgumentError(
      `Bad cron expression '${expression}': ${(err instanceof Error ? err.message : String(err)).replace(/\.$/, '')}.`,
    );
  }
}

function assertTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new InvalidArgumentError(`Unknown time zone '${timeZone}'; use an IANA name such as Europe/Paris.`);
  }
}
