import { UsageError } from './usage-error.js';

/** Reads a whole-number flag value within [min, max]; throws UsageError naming the flag. */
export function integerFlag(value: string, flag: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a whole number; got '${value}'.`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`${flag} must be between ${min} and ${max}; got ${value}.`);
  return n;
}
