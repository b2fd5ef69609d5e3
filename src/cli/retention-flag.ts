import {
  assertValidRetentionPolicy,
  RETENTION_STATUSES,
  type RetainedStatus,
  type RetentionPolicy,
} from '../retention/retention-policy.js';
import { durationFlag } from './duration-flag.js';
import { UsageError } from './usage-error.js';

/** Reads `--retention completed=7d,failed=30d,terminated=7d` (any subset, each status once). */
export function retentionFlag(value: string): RetentionPolicy {
  const policy: Record<string, number> = {};
  for (const part of value.split(',')) {
    const [status, duration, ...rest] = part.trim().split('=');
    if (status === undefined || duration === undefined || rest.length > 0 || status === '') {
      throw new UsageError(
        `--retention takes status=duration pairs such as completed=7d,failed=30d; got '${part}'.`,
      );
    }
    if (!(status in RETENTION_STATUSES)) {
      throw new UsageError(
        `--retention: unknown status '${status}'; use ${Object.keys(RETENTION_STATUSES).join(', ')}.`,
      );
    }
    if (status in policy) throw new UsageError(`--retention names ${status} twice.`);
    policy[status as RetainedStatus] = durationFlag(duration, `--retention ${status}`);
  }
  try {
    assertValidRetentionPolicy(policy);
  } catch (err) {
    throw new UsageError(`--retention: ${(err as Error).message}`);
  }
  return policy;
}
