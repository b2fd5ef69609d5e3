import { PostgresBackend } from '../../src/backend/postgres/index.js';
import {
  dropSchema,
  probePostgres,
  TEST_DATABASE_URL,
  testSchemaName,
} from '../../src/backend/postgres/testing/test-database.js';
import { startTestSidecar, type TestSidecar, type TestSidecarOptions } from './harness.js';

export type BackendKind = 'sqlite' | 'postgres';

/**
 * A sidecar on SQLite (a temp file) or PostgreSQL (a throwaway schema, dropped on close), for
 * tests that must hold on both stores.
 */
export async function startSidecarOn(
  kind: BackendKind,
  options: Omit<TestSidecarOptions, 'wrapBackend'> = {},
): Promise<TestSidecar> {
  if (kind === 'sqlite') return startTestSidecar(options);
  const schema = testSchemaName('_sidecar');
  const env = await startTestSidecar({
    ...options,
    wrapBackend: () => new PostgresBackend({ connectionString: TEST_DATABASE_URL, schema, poolSize: 4 }),
  });
  return {
    ...env,
    close: async () => {
      try {
        await env.close();
      } finally {
        await dropSchema(schema);
      }
    },
  };
}

/**
 * The stores to run on: both when PostgreSQL answers; otherwise SQLite only, and in CI a failure
 * (a missing PostgreSQL must not pass unnoticed there).
 */
export async function backendKinds(): Promise<BackendKind[]> {
  const problem = await probePostgres();
  if (problem === undefined) return ['sqlite', 'postgres'];
  const message = `PostgreSQL is not reachable at ${TEST_DATABASE_URL} (${problem})`;
  if (process.env.CI === 'true') throw new Error(message);
  process.stderr.write(`\n!!! ${message}: the PostgreSQL cases are SKIPPED on this machine.\n\n`);
  return ['sqlite'];
}
