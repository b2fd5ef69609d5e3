/**
 * Runs operations one after another per key, in call order, while different keys run
 * concurrently. The backend uses it so events added to one instance through one backend land in
 * the order they were added, even though pooled connections would let them race. A failed
 * operation does not stop the ones queued after it. Keys are forgotten once idle.
 */
export class KeyedSequencer {
  readonly #tails = new Map<string, Promise<void>>();

  run<T>(key: string, operation: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(operation);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** How many keys have operations queued or running. */
  get activeKeys(): number {
    return this.#tails.size;
  }
}
