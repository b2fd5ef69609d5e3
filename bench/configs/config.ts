import type { BenchTarget } from '../workloads/workload.js';

/** A running engine (and client) for one timed run, on fresh storage. */
export interface RunningTarget extends BenchTarget {
  /** Stops everything it started; storage is removed by the caller. */
  stop(): Promise<void>;
  /** CPU and peak RSS of the other process this configuration runs (the sidecar), if any. */
  externalUsage?(): Promise<{ readonly cpuMicros: number; readonly maxRssKiB: number }>;
}

/** Worker tuning a run may override (`--orchestration-slots`, `--activity-slots`). */
export interface Tuning {
  readonly maxConcurrentOrchestrations?: number;
  readonly maxConcurrentActivities?: number;
}

export interface BenchConfig {
  readonly name: string;
  /** One line: engine, store, durability, client/worker. */
  readonly description: string;
  /**
   * Creates and starts an engine on fresh storage. `scratchDir` is an empty temp directory
   * owned by this run (removed afterwards); `runId` is unique per run (schema names and such).
   */
  create(scratchDir: string, runId: string, tuning: Tuning): Promise<RunningTarget>;
}

/** Why a configuration cannot run here (its code has not landed, no server): shown, not fatal. */
export class ConfigUnavailableError extends Error {
  override readonly name = 'ConfigUnavailableError';
}
