/**
 * A reply: the answer to a request carried by a loop event. It is answered exactly once; later
 * answers are ignored, so a shutdown path may reject every pending reply without checking which
 * ones a handler already answered.
 */
export interface Reply<T> {
  resolve(value: T): void;
  reject(reason: unknown): void;
  /** True once resolved or rejected. */
  readonly settled: boolean;
}

/**
 * Creates a reply and the promise it settles. The promise is marked handled, so a reply rejected
 * after its requester stopped listening (it timed out, its stream closed) does not surface as an
 * unhandled rejection; anyone awaiting the promise still sees the rejection.
 */
export function createReply<T>(): { reply: Reply<T>; promise: Promise<T> } {
  let settled = false;
  let resolvePromise!: (value: T) => void;
  let rejectPromise!: (reason: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    resolvePromise = resolve;
    rejectPromise = reject;
  });
  promise.catch(() => undefined);
  const reply: Reply<T> = {
    resolve(value) {
      if (settled) return;
      settled = true;
      resolvePromise(value);
    },
    reject(reason) {
      if (settled) return;
      settled = true;
      rejectPromise(reason);
    },
    get settled() {
      return settled;
    },
  };
  return { reply, promise };
}
