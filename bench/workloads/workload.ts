/**
 * What a workload needs from a configuration: start instances of a named orchestration and wait
 * for their outcome. Every configuration (embedded or sidecar, SQLite or PostgreSQL) offers the
 * same three orchestrations under the names in ORCHESTRATIONS, so a workload never knows which
 * engine, store or SDK runs it.
 */
export interface BenchTarget {
  /** Starts an instance; resolves with its id once it is stored. */
  schedule(orchestration: OrchestrationName, input: unknown): Promise<string>;
  /** Resolves once the instance is terminal. */
  waitForCompletion(instanceId: string): Promise<CompletedInstance>;
}

export interface CompletedInstance {
  /** 'COMPLETED', 'FAILED', … as the configuration's client names it. */
  readonly status: string;
  /** The serialized (JSON) output. */
  readonly output: string | undefined;
}

/** The orchestrations (and their activities) every configuration registers. */
export const ORCHESTRATIONS = {
  /** W1: `a(x)` → `"a(x)"`, then `b`, then `c`: output `"c(b(a(id)))"`. */
  helloSequence: 'helloSequence',
  /** W2: 100 activities in parallel (activity i returns i), summed: 4950. */
  fanOutFanIn: 'fanOutFanIn',
  /** W3: one activity `s(x)` → `"s(x)"`. */
  singleStep: 'singleStep',
} as const;

export type OrchestrationName = (typeof ORCHESTRATIONS)[keyof typeof ORCHESTRATIONS];

/** Headline figures of one timed run: name → value (units in the name). */
export type Metrics = Record<string, number>;

export interface Workload {
  readonly id: 'W1' | 'W2' | 'W3';
  readonly title: string;
  /** Instances one timed run completes (for CPU seconds per instance). */
  readonly instances: number;
  /** The timed run; throws when any result is wrong. */
  run(target: BenchTarget): Promise<Metrics>;
  /** The metric the summary table leads with, and whether higher is better. */
  readonly headline: { readonly metric: string; readonly higherIsBetter: boolean };
}

/** Thrown when an instance ends with anything but the expected output: aborts the run. */
export class WrongResultError extends Error {
  override readonly name = 'WrongResultError';
}

/** Waits for `instanceId` and checks it COMPLETED with exactly `expectedOutput` (as JSON). */
export async function expectOutput(
  target: BenchTarget,
  instanceId: string,
  expectedOutput: unknown,
): Promise<void> {
  const done = await target.waitForCompletion(instanceId);
  const expected = JSON.stringify(expectedOutput);
  if (done.status !== 'COMPLETED' || done.output !== expected) {
    throw new WrongResultError(
      `instance ${instanceId} ended ${done.status} with output ${String(done.output)}, expected ${expected}`,
    );
  }
}
