export {
  MIN_RETENTION_MS,
  RETENTION_STATUSES,
  type RetainedStatus,
  type RetentionPolicy,
} from './retention-policy.js';
export { RetentionSweeper, type RetentionOptions } from './retention-sweeper.js';
