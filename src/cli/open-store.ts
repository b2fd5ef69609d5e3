import type { Backend } from '../backend/backend.js';
import { PostgresBackend } from '../backend/postgres/index.js';
import { SqliteBackend } from '../backend/sqlite/index.js';
import type { Logger } from '../logging/logger.js';
import type { StoreLocation } from './store-location.js';

/** The backend for a store location; the caller starts and stops it. */
export function openBackend(store: StoreLocation, logger: Logger, applicationName: string): Backend {
  switch (store.kind) {
    case 'sqlite':
      return new SqliteBackend({ path: store.path, logger: logger.child({ component: 'sqlite' }) });
    case 'postgres':
      return new PostgresBackend({
        connectionString: store.connectionString,
        schema: store.schema,
        poolSize: store.poolSize,
        applicationName,
        logger: logger.child({ component: 'postgres' }),
      });
  }
}
