import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { PostgresBackend } from '../../src/backend/postgres/index.js';
import {
  adminClient,
  dropSchema,
  probePostgres,
  TEST_DATABASE_URL,
} from '../../src/backend/postgres/testing/test-database.js';
import type { ScenarioStore, StoreFactory } from './harness.js';

/** The tables that hold rows of an instance, and the column naming it. */
function instanceRowsSql(schema: string): string {
  const s = `"${schema}"`;
  return `
  SELECT (SELECT count(*) FROM ${s}.instances WHERE id = $1)
       + (SELECT count(*) FROM ${s}.history WHERE instance_id = $1)
       + (SELECT count(*) FROM ${s}.inbox WHERE instance_id = $1)
       + (SELECT count(*) FROM ${s}.tasks WHERE instance_id = $1) AS n`;
}

/** A fresh schema for one suite: `dt_scn_<pid>_<random>`. */
function scenarioSchemaName(): string {
  return `dt_scn_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Few connections per backend: several suites and test files share one server. */
const POOL_SIZE = 4;

function openBackend(schema: string): PostgresBackend {
  return new PostgresBackend({
    connectionString: TEST_DATABASE_URL,
    schema,
    poolSize: POOL_SIZE,
    applicationName: `durabletask-scenarios:${schema}`,
  });
}

/**
 * Scenario stores on a throwaway schema of the test database; dispose() drops the schema
 * (kept when KEEP_TEST_SCHEMA=1). The backend creates its tables on start.
 */
const reachablePostgresStore: StoreFactory = {
  name: 'PostgreSQL',
  async create(): Promise<ScenarioStore> {
    const schema = scenarioSchemaName();
    const sql = instanceRowsSql(schema);
    return {
      backend: openBackend(schema),
      openBackend: () => openBackend(schema),
      async rowsFor(instanceId) {
        // A separate connection sees exactly what the backend committed.
        const client = await adminClient();
        try {
          const { rows } = await client.query<{ n: string }>(sql, [instanceId]);
          return Number(rows[0]?.n ?? Number.NaN);
        } finally {
          await client.end();
        }
      },
      async dispose() {
        await dropSchema(schema);
      },
    };
  },
};

/**
 * A store whose every suite fails: CI must not pass with the PostgreSQL scenarios unrun.
 * (The suite's before() throws, so each of its tests fails.)
 */
function failingStore(message: string): StoreFactory {
  return {
    name: 'PostgreSQL',
    create: () => Promise.reject(new Error(message)),
  };
}

async function postgresStoreForThisMachine(): Promise<StoreFactory | undefined> {
  const problem = await probePostgres();
  if (problem === undefined) return reachablePostgresStore;
  const message = `PostgreSQL is not reachable at ${TEST_DATABASE_URL} (${problem}); set DURABLETASK_TEST_PG to a server.`;
  if (process.env.CI === 'true') {
    test('PostgreSQL is reachable for the scenarios (required in CI)', () => {
      throw new Error(message);
    });
    return failingStore(`${message} The scenarios must run on PostgreSQL in CI.`);
  }
  process.stderr.write(
    `\n!!! ${message}\n!!! The PostgreSQL scenario suites are SKIPPED on this machine.\n\n`,
  );
  test('scenarios on PostgreSQL', { skip: message }, () => undefined);
  return undefined;
}

/**
 * The PostgreSQL scenario store, or undefined when no server is reachable on a developer
 * machine (the suites are then skipped, loudly). In CI an unreachable server fails the suites.
 * Each scenario file runs its suites with `if (postgresStore) …(postgresStore)`.
 */
export const postgresStore: StoreFactory | undefined = await postgresStoreForThisMachine();
