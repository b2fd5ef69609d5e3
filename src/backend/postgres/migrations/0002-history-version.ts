import type { Migration } from './migration.js';

/**
 * The lock token of the lease whose commit wrote the instance's current history (NULL: not
 * known, as for a new or replaced instance), so a worker can tell whether a history it kept in
 * memory is still the stored one (OrchestrationWorkItem.historyVersion).
 */
export const MIGRATION_0002_HISTORY_VERSION: Migration = {
  version: 2,
  name: 'history version',
  sql: `ALTER TABLE {schema}.instances ADD COLUMN history_version text`,
};
