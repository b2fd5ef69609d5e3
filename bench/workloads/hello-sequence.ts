import { percentile, nowMs } from './stats.js';
import { expectOutput, ORCHESTRATIONS, type BenchTarget, type Metrics, type Workload } from './workload.js';

const INSTANCES = 500;

/** Starts `count` hello sequences at once; resolves with each one's start-to-completion ms. */
export async function runHelloSequences(
  target: BenchTarget,
  count: number,
  prefix: string,
): Promise<number[]> {
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const name = `${prefix}-${i}`;
      const startedAt = nowMs();
      const id = await target.schedule(ORCHESTRATIONS.helloSequence, name);
      await expectOutput(target, id, `c(b(a(${name})))`);
      latencies.push(nowMs() - startedAt);
    }),
  );
  return latencies;
}

/** W1: 500 three-step sequences started at once. */
export const helloSequence: Workload = {
  id: 'W1',
  title: 'hello sequence, 500 at once',
  instances: INSTANCES,
  headline: { metric: 'instancesPerSec', higherIsBetter: true },
  async run(target: BenchTarget): Promise<Metrics> {
    const startedAt = nowMs();
    const latencies = await runHelloSequences(target, INSTANCES, 'w1');
    const wallMs = nowMs() - startedAt;
    return {
      instancesPerSec: INSTANCES / (wallMs / 1000),
      wallMs,
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
    };
  },
};
