/** What an activity receives besides its input. */
export interface ActivityContext {
  /** The instance id of the orchestration that called the activity. */
  readonly orchestrationId: string;
  /** The sequence number of the call in that orchestration (unique per instance execution). */
  readonly taskId: number;
  /** The activity's registered name. */
  readonly name: string;
  /** Aborted when the engine gives up on this run (shutdown, lost lease): stop early if you can. */
  readonly signal: AbortSignal;
}

/** An activity: ordinary (possibly async) code with side effects, called by orchestrations. */
export type Activity<TInput = unknown, TOutput = unknown> = (
  ctx: ActivityContext,
  input: TInput,
) => TOutput | Promise<TOutput>;

/** Any activity, whatever its input type (parameters are contravariant, hence `never`). */
export type AnyActivity = (ctx: ActivityContext, input: never) => unknown;

export type ActivityInput<F> = F extends (ctx: ActivityContext, input: infer I) => unknown ? I : never;
export type ActivityOutput<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;
