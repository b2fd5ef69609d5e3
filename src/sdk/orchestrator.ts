import type { OrchestrationContext } from './context.js';
import type { Task } from './tasks.js';

/**
 * Orchestrators are generator functions, `function*` or `async function*`, that yield tasks and
 * get their results back: `const x = yield ctx.callActivity(...)`. What they return is the
 * output; what they throw fails the orchestration. A plain (async) function that yields nothing
 * is accepted too: it completes at once with its result.
 */

// The value of a `yield` is whatever the yielded task produced; `any` lets callers write
// `const n: number = yield task` without a cast, as in durabletask-js.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type YieldResult = any;

export type OrchestratorGenerator<TOutput = unknown> = Generator<Task<unknown>, TOutput, YieldResult>;
export type AsyncOrchestratorGenerator<TOutput = unknown> = AsyncGenerator<
  Task<unknown>,
  TOutput,
  YieldResult
>;

export type Orchestrator<TInput = unknown, TOutput = unknown> = (
  ctx: OrchestrationContext,
  input: TInput,
) => OrchestratorGenerator<TOutput> | AsyncOrchestratorGenerator<TOutput> | TOutput | Promise<TOutput>;

/**
 * Any orchestrator, whatever its input type (parameters are contravariant, hence `never`); its
 * result is a generator or a plain value, checked at run time.
 */
export type AnyOrchestrator = (ctx: OrchestrationContext, input: never) => unknown;

export type OrchestratorInput<F> = F extends (ctx: OrchestrationContext, input: infer I) => unknown
  ? I
  : never;

export type OrchestratorOutput<F> = F extends (...args: never[]) => infer R
  ? R extends Generator<unknown, infer O, never>
    ? O
    : R extends AsyncGenerator<unknown, infer O, never>
      ? O
      : Awaited<R>
  : never;
