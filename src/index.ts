/**
 * The public embedded API: typed errors and instance types, the in-process client, the logger
 * interface, and the backend contract a client or worker runs on. Optional parts (PostgreSQL,
 * the sidecar) have their own subpath exports.
 */
export * from './api/index.js';
export * from './client/index.js';
export { createLogger, SILENT_LOGGER, type Logger, type LogLevel } from './logging/logger.js';
export type {
  ActivityWorkItem,
  Backend,
  BackendNotification,
  CreateInstanceOptions,
  LeaseOptions,
  OrchestrationWorkItem,
} from './backend/backend.js';
