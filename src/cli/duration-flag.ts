import { UsageError } from './usage-error.js';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** Reads a duration such as `500ms`, `30s`, `5m`, `2h` or `7d` into milliseconds. */
export function durationFlag(value: string, flag: string): number {
  const match = DURATION.exec(value.trim());
  const unit = match?.[2] as keyof typeof UNIT_MS | undefined;
  if (!match || unit === undefined) {
    throw new UsageError(`${flag} must be a duration such as 30s, 5m, 2h or 7d (also ms); got '${value}'.`);
  }
  return Math.round(Number(match[1]) * UNIT_MS[unit]);
}

/** Reads a time: an ISO 8601 date-time (2026-12-05T09:00:00Z), or `now`. */
export function timeFlag(value: string, flag: string, now: number = Date.now()): number {
  if (value === 'now') return now;
  const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new UsageError(`${flag} must be an ISO 8601 time such as 2026-12-05T09:00:00Z; got '${value}'.`);
  }
  return ms;
}
