import { nowMs } from './stats.js';
import { expectOutput, ORCHESTRATIONS, type BenchTarget, type Metrics, type Workload } from './workload.js';

const ORCHESTRATIONS_AT_ONCE = 20;
/** Activities per orchestration; the input of fanOutFanIn. */
export const FAN_OUT_WIDTH = 100;
const EXPECTED_SUM = (FAN_OUT_WIDTH * (FAN_OUT_WIDTH - 1)) / 2;

/** Starts `count` fan-out/fan-in orchestrations at once and checks each sum. */
export async function runFanOuts(target: BenchTarget, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async () => {
      const id = await target.schedule(ORCHESTRATIONS.fanOutFanIn, FAN_OUT_WIDTH);
      await expectOutput(target, id, EXPECTED_SUM);
    }),
  );
}

/** W2: 20 orchestrations of 100 parallel activities each, started at once. */
export const fanOutFanIn: Workload = {
  id: 'W2',
  title: 'fan-out/fan-in, 20 × 100',
  instances: ORCHESTRATIONS_AT_ONCE,
  headline: { metric: 'activitiesPerSec', higherIsBetter: true },
  async run(target: BenchTarget): Promise<Metrics> {
    const startedAt = nowMs();
    await runFanOuts(target, ORCHESTRATIONS_AT_ONCE);
    const wallMs = nowMs() - startedAt;
    return {
      activitiesPerSec: (ORCHESTRATIONS_AT_ONCE * FAN_OUT_WIDTH) / (wallMs / 1000),
      wallMs,
    };
  },
};
