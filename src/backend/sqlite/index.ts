export { SqliteBackend, type SqliteBackendLogger, type SqliteBackendOptions } from './sqlite-backend.js';
