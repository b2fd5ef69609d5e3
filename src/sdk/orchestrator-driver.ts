import type { AnyOrchestrator } from './orchestrator.js';
import { Task } from './tasks.js';

type Step = IteratorResult<unknown, unknown>;

/** A sync or async generator, driven the same way (awaiting a sync step is harmless). */
interface Resumable {
  next(value?: unknown): Step | Promise<Step>;
  throw(error: unknown): Step | Promise<Step>;
}

/** What the driver reports to the orchestration state. */
export interface DriverTarget {
  readonly isComplete: boolean;
  /** The orchestrator returned `output`. */
  completeWithOutput(output: unknown): void;
}

/**
 * Runs an orchestrator function: starts it, and after each settled task resumes it with the
 * task's result (or throws the task's error at its `yield`), until it yields a pending task or
 * returns. Errors the orchestrator throws propagate to the caller, which fails the instance.
 */
export class OrchestratorDriver {
  readonly #target: DriverTarget;
  #generator: Resumable | undefined;
  #current: Task<unknown> | undefined;

  constructor(target: DriverTarget) {
    this.#target = target;
  }

  async start(
    orchestrator: AnyOrchestrator,
    ctx: Parameters<AnyOrchestrator>[0],
    input: unknown,
  ): Promise<void> {
    const returned = orchestrator(ctx, input as never);
    if (!isGenerator(returned)) {
      // A plain or async function: its (awaited) return value is the output.
      this.#target.completeWithOutput(await returned);
      return;
    }
    this.#generator = returned;
    await this.#run(() => returned.next());
  }

  /** Called after a task settled: resumes the orchestrator if the task it waits on is done. */
  async resume(): Promise<void> {
    const generator = this.#generator;
    const task = this.#current;
    if (this.#target.isComplete || !generator || !task?.isComplete) return;
    await this.#run(() => (task.isFailed ? generator.throw(task.error) : generator.next(task.result)));
  }

  async #run(advance: () => Step | Promise<Step>): Promise<void> {
    const generator = this.#generator;
    if (!generator) return;
    let step = await advance();
    for (;;) {
      if (step.done) {
        this.#generator = undefined;
        this.#current = undefined;
        this.#target.completeWithOutput(step.value);
        return;
      }
      const task = step.value;
      if (!(task instanceof Task)) {
        throw new TypeError(
          `An orchestrator must yield tasks created by its context; it yielded ${describe(task)}.`,
        );
      }
      this.#current = task;
      if (!task.isComplete) return;
      step = await (task.isFailed ? generator.throw(task.error) : generator.next(task.result));
    }
  }
}

function isGenerator(value: unknown): value is Resumable {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Resumable> & {
    [Symbol.iterator]?: unknown;
    [Symbol.asyncIterator]?: unknown;
  };
  return (
    typeof candidate.next === 'function' &&
    typeof candidate.throw === 'function' &&
    (typeof candidate[Symbol.iterator] === 'function' ||
      typeof candidate[Symbol.asyncIterator] === 'function')
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value)})`;
  return `a ${typeof value}`;
}
