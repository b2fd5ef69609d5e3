/**
 * The public embedded API: the DurableTaskEngine composition, typed errors and instance types,
 * the in-process client, the orchestration SDK, the worker with its in-process executor, the
 * SQLite backend, the logger interface and the backend contract. Optional parts (PostgreSQL,
 * the sidecar) have their own subpath exports.
 */
export * from './api/index.js';
export * from './client/index.js';
export * from './sdk/index.js';
export * from './embedded/index.js';
export {
  MIN_RETENTION_MS,
  RetentionSweeper,
  type RetentionOptions,
  type RetentionPolicy,
} from './retention/index.js';
export {
  DEFAULT_CATCHUP_WINDOW_MS,
  OVERLAP_POLICIES,
  SCHEDULE_TAG,
  ScheduleClient,
  type OverlapPolicy,
  type ScheduleCounts,
  type ScheduleInfo,
  type ScheduleSpec,
} from './schedules/index.js';
export { TaskHubWorker, WORKER_DEFAULTS, type TaskHubWorkerOptions } from './worker/index.js';
export { systemClock, type Clock, type TimerHandle } from './loop/clock.js';
export { InProcessExecutor, type InProcessExecutorOptions } from './executor/in-process-executor.js';
export { TracingExecutor } from './executor/tracing-executor.js';
export type { Executor } from './executor/executor.js';
export { SqliteBackend, type SqliteBackendOptions } from './backend/sqlite/index.js';
export { createLogger, SILENT_LOGGER, type Logger, type LogLevel, type LogSink } from './logging/logger.js';
export type {
  ActivityWorkItem,
  Backend,
  BackendNotification,
  CreateInstanceOptions,
  LeaseOptions,
  OrchestrationWorkItem,
} from './backend/backend.js';
