import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';
import { quoteIdentifier } from '../sql/compile.js';

/**
 * Test plumbing for the PostgreSQL backend: the server to use, a throwaway schema per test run,
 * and the rule for an unreachable server (CI fails, a developer machine skips loudly).
 */

export const TEST_DATABASE_URL = process.env.DURABLETASK_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh schema name: `dt_test_<pid>_<random>` plus an optional suffix. */
export function testSchemaName(suffix = ''): string {
  return `dt_test_${process.pid}_${randomBytes(4).toString('hex')}${suffix}`;
}

/** Undefined when the server answers, else why not. */
export async function probePostgres(url = TEST_DATABASE_URL): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Checks the server once per test file. When it is unreachable, registers a test that fails in CI
 * (`CI=true`) and is skipped, with a loud warning, elsewhere; returns false so the file registers
 * nothing else.
 */
export async function requirePostgres(): Promise<boolean> {
  const problem = await probePostgres();
  if (problem === undefined) return true;
  const message = `PostgreSQL is not reachable at ${TEST_DATABASE_URL} (${problem}); set DURABLETASK_TEST_PG to a server.`;
  if (process.env.CI === 'true') {
    test('PostgreSQL is reachable (required in CI)', () => {
      throw new Error(message);
    });
  } else {
    process.stderr.write(
      `\n!!! ${message}\n!!! The PostgreSQL backend tests are SKIPPED on this machine.\n\n`,
    );
    test('PostgreSQL backend tests', { skip: message }, () => undefined);
  }
  return false;
}

/** A connection for test setup and inspection, outside any backend. */
export async function adminClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Drops the schema unless KEEP_TEST_SCHEMA=1 asks to keep it for inspection. */
export async function dropSchema(schema: string): Promise<void> {
  if (process.env.KEEP_TEST_SCHEMA === '1') {
    process.stderr.write(`KEEP_TEST_SCHEMA=1: kept schema ${schema} in ${TEST_DATABASE_URL}\n`);
    return;
  }
  const client = await adminClient();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}

/** Empties every task hub table of a schema (between tests that share it). */
export async function truncateSchema(client: pg.Client, schema: string): Promise<void> {
  const s = quoteIdentifier(schema);
  await client.query(`TRUNCATE ${s}.instances, ${s}.history, ${s}.inbox, ${s}.tasks RESTART IDENTITY`);
}
