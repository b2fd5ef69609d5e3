import { Task } from './tasks.js';

/**
 * whenAll / whenAny, with durabletask-js semantics: whenAll waits for every child (a failing
 * child does not end it early) and then fails with an AggregateError of every failure;
 * whenAny completes with the first child to settle (the child task itself, failed or not).
 */

/** The result type of a task. */
export type TaskResult<T> = T extends Task<infer R> ? R : never;

export class WhenAllTask<T extends readonly Task<unknown>[]> extends Task<{
  -readonly [K in keyof T]: TaskResult<T[K]>;
}> {
  readonly #children: T;
  #pending: number;

  constructor(children: T) {
    super();
    this.#children = children;
    this.#pending = children.filter((child) => !child.isComplete).length;
    for (const child of children) {
      if (!child.isComplete) child.onSettled(() => this.#childSettled());
    }
    if (this.#pending === 0) this.#finish();
  }

  #childSettled(): void {
    this.#pending--;
    if (this.#pending === 0) this.#finish();
  }

  #finish(): void {
    const failures = this.#children.filter((child) => child.isFailed).map((child) => child.error as Error);
    if (failures.length === 0) {
      const results = this.#children.map((child) => child.result);
      this.settleCompleted(results as { -readonly [K in keyof T]: TaskResult<T[K]> });
      return;
    }
    // Every child message is inlined: failure details keep only the message, not `errors`.
    const messages = failures.map((failure) => failure.message).join('; ');
    this.settleFailed(
      new AggregateError(
        failures,
        `${failures.length} of ${this.#children.length} tasks in the whenAll failed: ${messages}`,
      ),
    );
  }
}

export class WhenAnyTask<T extends Task<unknown>> extends Task<T> {
  constructor(children: readonly T[]) {
    super();
    if (children.length === 0) throw new Error('whenAny requires at least one task.');
    const settled = children.find((child) => child.isComplete);
    if (settled) {
      this.settleCompleted(settled);
      return;
    }
    for (const child of children) {
      child.onSettled(() => {
        if (!this.isComplete) this.settleCompleted(child);
      });
    }
  }
}

/** A task that completes with every result, in order, once all `tasks` have settled. */
export function whenAll<const T extends readonly Task<unknown>[]>(
  tasks: T,
): Task<{ -readonly [K in keyof T]: TaskResult<T[K]> }> {
  return new WhenAllTask(tasks);
}

/** A task that completes with the first of `tasks` to settle. */
export function whenAny<T extends Task<unknown>>(tasks: readonly T[]): Task<T> {
  return new WhenAnyTask(tasks);
}
