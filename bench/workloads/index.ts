import { fanOutFanIn, runFanOuts } from './fan-out-fan-in.js';
import { helloSequence, runHelloSequences } from './hello-sequence.js';
import { runSingleSteps, singleStep } from './single-step.js';
import type { BenchTarget, Workload } from './workload.js';

export const WORKLOADS: readonly Workload[] = [helloSequence, fanOutFanIn, singleStep];

/**
 * The untimed warm-up before every timed run (WORKLOADS.md): 10 W1 and 10 W3 workflows and
 * 2 W2 workflows, so every code path is compiled and every statement prepared and cached.
 */
export async function warmUp(target: BenchTarget): Promise<void> {
  await runHelloSequences(target, 10, 'warm-w1');
  await runFanOuts(target, 2);
  await runSingleSteps(target, 10, 'warm-w3');
}

export function findWorkload(id: string): Workload {
  const workload = WORKLOADS.find((w) => w.id === id.toUpperCase());
  if (!workload)
    throw new Error(`unknown workload '${id}' (known: ${WORKLOADS.map((w) => w.id).join(', ')})`);
  return workload;
}

export type { BenchTarget, Workload, Metrics } from './workload.js';
