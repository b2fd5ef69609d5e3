import { MIGRATION_0001_INIT } from './0001-init.js';
import { MIGRATION_0002_HISTORY_VERSION } from './0002-history-version.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

/** Every migration, in version order (1, 2, …, without gaps). */
export const MIGRATIONS: readonly Migration[] = [MIGRATION_0001_INIT, MIGRATION_0002_HISTORY_VERSION];
