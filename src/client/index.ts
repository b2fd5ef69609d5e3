export { TaskHubClient } from './task-hub-client.js';
export type {
  GetStateOptions,
  OrchestrationIdReusePolicy,
  OrchestratorRef,
  PurgeOptions,
  RestartOptions,
  ScheduleOrchestrationOptions,
  TaskHubClientOptions,
  TerminateOptions,
  WaitOptions,
} from './client-options.js';
export { assertValidInstanceId, MAX_INSTANCE_ID_LENGTH, newInstanceId } from './instance-id.js';
export { DEFAULT_MAX_PAYLOAD_BYTES, serializePayload } from './payload.js';
export { DEFAULT_PURGE_BATCH_SIZE, type TimedPurgeOptions } from './timed-purge.js';
