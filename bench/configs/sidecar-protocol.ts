/** The line protocol between sidecar-target.ts and sidecar-process.ts. */

/** `SIDECAR_READY <port>`: listening. */
export const READY_MARKER = 'SIDECAR_READY ';
/** `SIDECAR_USAGE <json ProcessUsage>`: the answer to `usage` and to `stop`. */
export const USAGE_MARKER = 'SIDECAR_USAGE ';

export interface ProcessUsage {
  readonly cpuMicros: number;
  readonly maxRssKiB: number;
}
