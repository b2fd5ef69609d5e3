import { percentile, nowMs } from './stats.js';
import { expectOutput, ORCHESTRATIONS, type BenchTarget, type Metrics, type Workload } from './workload.js';

const INSTANCES = 200;

/** Runs `count` one-activity orchestrations one after another; resolves with each latency (ms). */
export async function runSingleSteps(target: BenchTarget, count: number, prefix: string): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${prefix}-${i}`;
    const startedAt = nowMs();
    const id = await target.schedule(ORCHESTRATIONS.singleStep, name);
    await expectOutput(target, id, `s(${name})`);
    latencies.push(nowMs() - startedAt);
  }
  return latencies;
}

/** W3: 200 single-activity orchestrations, sequentially. */
export const singleStep: Workload = {
  id: 'W3',
  title: 'single-step latency, 200 sequential',
  instances: INSTANCES,
  headline: { metric: 'p50Ms', higherIsBetter: false },
  async run(target: BenchTarget): Promise<Metrics> {
    const startedAt = nowMs();
    const latencies = await runSingleSteps(target, INSTANCES, 'w3');
    return {
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      wallMs: nowMs() - startedAt,
    };
  },
};
