export type * from './backend.js';
export { SqliteBackend, type SqliteBackendOptions } from './sqlite/index.js';
