import { createHash } from 'node:crypto';
import type { Queryable } from './database.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';
import { compileStatement, compileStatements } from './sql/compile.js';
import * as migrationSql from './sql/migrations.js';

/**
 * Brings a schema to the newest migration in ONE transaction, under a transaction-level advisory
 * lock keyed by the schema name: several processes starting at once apply each migration exactly
 * once, the others wait and then find nothing to do. A schema written by a newer engine (a version
 * this code does not know) is refused rather than used.
 */

/** The advisory lock key of a schema's migrations: 64 bits of a hash of its name. */
export function migrationLockKey(schema: string): string {
  return createHash('sha256')
    .update(`durabletask:migrations:${schema}`)
    .digest()
    .readBigInt64BE(0)
    .toString();
}

export interface MigrationResult {
  /** Versions applied by this call (empty when the schema was already current). */
  readonly applied: readonly number[];
  readonly version: number;
}

export async function migrate(
  tx: Queryable,
  schema: string,
  quotedSchema: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationResult> {
  const sql = compileStatements(migrationSql, quotedSchema);
  await tx.query(sql.LOCK_MIGRATIONS, [migrationLockKey(schema)]);
  await tx.query(sql.CREATE_SCHEMA);
  await tx.query(sql.CREATE_MIGRATIONS_TABLE);
  const { rows } = await tx.query<{ version: number }>(sql.SELECT_APPLIED_VERSIONS);
  const appliedVersions = new Set(rows.map((row) => row.version));
  const known = new Set(migrations.map((migration) => migration.version));
  const unknown = [...appliedVersions].filter((version) => !known.has(version));
  if (unknown.length > 0) {
    throw new Error(
      `The schema ${quotedSchema} has migrations this engine does not know (${unknown.join(', ')}); ` +
        'it was written by a newer version.',
    );
  }
  const applied: number[] = [];
  for (const migration of migrations) {
    if (appliedVersions.has(migration.version)) continue;
    await tx.query(compileStatement(migration.sql, quotedSchema));
    await tx.query(sql.RECORD_MIGRATION, [migration.version, migration.name]);
    applied.push(migration.version);
  }
  return { applied, version: Math.max(0, ...migrations.map((migration) => migration.version)) };
}
