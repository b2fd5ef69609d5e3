/**
 * One timed run in a fresh process (spawned by run.ts): a configuration on fresh storage, the
 * untimed warm-up, then one workload. Prints one line `BENCH_RESULT <json>` on stdout; any
 * failure (a wrong result included) exits non-zero with the error on stderr.
 *
 *   node --import tsx bench/child.ts --config embedded-sqlite --workload W1 [--tuning '{...}']
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findConfig, type Tuning } from './configs/index.js';
import { findWorkload, warmUp } from './workloads/index.js';
import { RESULT_MARKER } from './child-protocol.js';
import type { ChildResult } from './result.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      workload: { type: 'string' },
      tuning: { type: 'string', default: '{}' },
    },
  });
  if (!values.config || !values.workload) throw new Error('--config and --workload are required');
  const config = findConfig(values.config);
  const workload = findWorkload(values.workload);
  const tuning = JSON.parse(values.tuning) as Tuning;

  const scratchDir = await mkdtemp(join(tmpdir(), 'durabletask-bench-'));
  try {
    const target = await config.create(scratchDir, `b${process.pid}_${Date.now()}`, tuning);
    try {
      await warmUp(target);
      const loadAverage1m = loadavg()[0] ?? Number.NaN;
      const externalBefore = await target.externalUsage?.();
      const cpuBefore = process.cpuUsage();
      const metrics = await workload.run(target);
      const cpu = process.cpuUsage(cpuBefore);
      const externalAfter = await target.externalUsage?.();
      const externalCpuSeconds =
        externalBefore && externalAfter ? (externalAfter.cpuMicros - externalBefore.cpuMicros) / 1e6 : 0;
      // Both processes when the configuration runs a sidecar: the cost of the whole system.
      const cpuSeconds = (cpu.user + cpu.system) / 1e6 + externalCpuSeconds;
      const peakRssMiB = process.resourceUsage().maxRSS / 1024;
      const result: ChildResult = {
        metrics: {
          ...metrics,
          cpuSeconds,
          cpuMsPerInstance: (cpuSeconds * 1000) / workload.instances,
          peakRssMiB,
          ...(externalAfter && {
            sidecarCpuSeconds: externalCpuSeconds,
            sidecarPeakRssMiB: externalAfter.maxRssKiB / 1024,
          }),
        },
        loadAverage1m,
      };
      process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
    } finally {
      await target.stop();
    }
  } finally {
    await rm(scratchDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
