import type { Metrics } from './workloads/workload.js';

/** What one child process reports for its timed run. */
export interface ChildResult {
  /** The workload's metrics plus cpuSeconds, cpuMsPerInstance and peakRssMiB. */
  readonly metrics: Metrics;
  /** The 1-minute load average just before the timed run. */
  readonly loadAverage1m: number;
}
