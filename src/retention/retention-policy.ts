import { InvalidArgumentError } from '../api/errors.js';
import { OrchestrationStatus } from '../api/status.js';

/** How long finished instances are kept, per final status (ms); absent: kept forever. */
export interface RetentionPolicy {
  readonly completed?: number;
  readonly failed?: number;
  readonly terminated?: number;
}

export const RETENTION_STATUSES = {
  completed: OrchestrationStatus.COMPLETED,
  failed: OrchestrationStatus.FAILED,
  terminated: OrchestrationStatus.TERMINATED,
} as const;

export type RetainedStatus = keyof typeof RETENTION_STATUSES;

/** The shortest retention: a purge racing a client that just read the instance is no policy. */
export const MIN_RETENTION_MS = 1_000;

export function assertValidRetentionPolicy(policy: RetentionPolicy): void {
  for (const [status, ms] of Object.entries(policy) as [string, unknown][]) {
    if (!(status in RETENTION_STATUSES)) {
      throw new InvalidArgumentError(
        `Unknown retention status '${status}'; use ${Object.keys(RETENTION_STATUSES).join(', ')}.`,
      );
    }
    if (ms !== undefined && !(typeof ms === 'number' && Number.isFinite(ms) && ms >= MIN_RETENTION_MS)) {
      throw new InvalidArgumentError(
        `A retention for ${status} instances is at least ${MIN_RETENTION_MS} ms; got ${JSON.stringify(ms)}.`,
      );
    }
  }
}
