export { PostgresBackend } from './postgres-backend.js';
export { validateSchemaName, type PostgresBackendOptions } from './options.js';
export type { RetryPolicy } from './transient-errors.js';
export type { MigrationResult } from './migrate.js';
