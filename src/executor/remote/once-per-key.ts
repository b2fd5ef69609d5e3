/**
 * Remembers which keys something was already done for, so it is done once per key: bounded, the
 * oldest keys are forgotten first (a Set iterates in insertion order).
 */
export class OncePerKey {
  readonly #seen = new Set<string>();
  readonly #limit: number;

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  /** True the first time `key` is seen (until it is forgotten), false after. */
  first(key: string): boolean {
    if (this.#seen.has(key)) return false;
    this.#seen.add(key);
    for (const oldest of this.#seen) {
      if (this.#seen.size <= this.#limit) break;
      this.#seen.delete(oldest);
    }
    return true;
  }

  forget(key: string): void {
    this.#seen.delete(key);
  }
}
