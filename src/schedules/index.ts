export { ScheduleClient } from './schedule-client.js';
export {
  DEFAULT_CATCHUP_WINDOW_MS,
  OVERLAP_POLICIES,
  type OverlapPolicy,
  type ScheduleSpec,
} from './schedule-spec.js';
export { SCHEDULE_TAG, type ScheduleCounts, type ScheduleInfo } from './schedule-state.js';
export { isScheduleTask, registerScheduleTasks } from './register.js';
