export type * from './backend.js';
export { SqliteBackend, type SqliteBackendLogger, type SqliteBackendOptions } from './sqlite/index.js';
