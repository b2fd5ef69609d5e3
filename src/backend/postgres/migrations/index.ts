import { MIGRATION_0001_INIT } from './0001-init.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

/** Every migration, in version order (1, 2, …, without gaps). */
export const MIGRATIONS: readonly Migration[] = [MIGRATION_0001_INIT];
