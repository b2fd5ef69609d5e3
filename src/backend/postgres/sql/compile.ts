import { createHash } from 'node:crypto';

/**
 * SQL text conventions for the PostgreSQL backend.
 *
 * - `{schema}` stands for the quoted schema name of the task hub; every table is qualified with it.
 * - `{now}` stands for the current time in epoch milliseconds. It reads the database clock
 *   (`now()`, the transaction start, so every statement of one transaction sees the same time)
 *   unless the statement's `$1` carries an override: tests inject a fake clock that way, while
 *   production passes NULL and keeps the database clock. A statement that uses `{now}` therefore
 *   numbers its own parameters from `$2`.
 */

export interface Statement {
  readonly text: string;
  /** True when the statement uses `{now}` and takes the clock override as `$1`. */
  readonly usesNow: boolean;
  /**
   * Set for the fixed statements: each connection parses and plans them once (a named prepared
   * statement), then only binds parameters. Derived from the text, so one name never stands for
   * two texts on a connection.
   */
  readonly name?: string;
}

/**
 * A CTE, `relaxed`, that lets the statement's own (implicit) transaction commit without waiting
 * for the WAL flush (`synchronous_commit = off`, local to that transaction). Only for writes whose
 * loss on a crash is harmless: leases and renewals (a lost lease expires and the work is leased
 * again and redone). The next durable commit flushes the log up to and past it, so no durable
 * write ever depends on a lost one. The statement must read `relaxed` for it to run.
 */
export const RELAXED_COMMIT = `relaxed AS (SELECT set_config('synchronous_commit', 'off', true) AS setting)`;

const NOW_MS = `COALESCE($1::bigint, floor(extract(epoch from now()) * 1000)::bigint)`;

/** Double-quotes an identifier (the schema name is validated before, this keeps it safe anyway). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function compileStatement(text: string, quotedSchema: string): Statement {
  const usesNow = text.includes('{now}');
  return {
    text: text.replaceAll('{schema}', quotedSchema).replaceAll('{now}', NOW_MS).trim(),
    usesNow,
  };
}

/** The prepared-statement name of a statement text. */
export function preparedName(text: string): string {
  return `dt_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
}

/** Compiles a module of named SQL constants for one schema as prepared statements, keeping the names. */
export function compileStatements<T extends Record<string, string>>(
  sql: T,
  quotedSchema: string,
): { readonly [K in keyof T]: Statement } {
  const compiled = {} as { [K in keyof T]: Statement };
  for (const key of Object.keys(sql) as (keyof T)[]) {
    const statement = compileStatement(sql[key] as string, quotedSchema);
    compiled[key] = { ...statement, name: preparedName(statement.text) };
  }
  return compiled;
}
