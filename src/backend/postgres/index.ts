export { PostgresBackend } from './postgres-backend.js';
export { DEFAULT_POOL_SIZE, validateSchemaName, type PostgresBackendOptions } from './options.js';
export type { RetryPolicy } from './transient-errors.js';
export type { MigrationResult } from './migrate.js';
