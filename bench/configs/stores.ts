import pg from 'pg';
import type { Backend } from '../../src/backend/backend.js';
import { PostgresBackend } from '../../src/backend/postgres/index.js';
import { SqliteBackend } from '../../src/backend/sqlite/index.js';

/** A store as plain data, so a configuration can hand it to a sidecar process. */
export type StoreSpec =
  | { readonly kind: 'sqlite'; readonly path: string; readonly synchronous: 'FULL' | 'NORMAL' }
  | { readonly kind: 'postgres'; readonly connectionString: string; readonly schema: string };

/** The server and database for PostgreSQL runs (a throwaway schema per run). */
export const BENCH_DATABASE_URL =
  process.env.DURABLETASK_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

export function createBackend(spec: StoreSpec): Backend {
  switch (spec.kind) {
    case 'sqlite':
      return new SqliteBackend({ path: spec.path, synchronous: spec.synchronous });
    case 'postgres':
      return new PostgresBackend({ connectionString: spec.connectionString, schema: spec.schema });
  }
}

/**
 * A fresh schema name for one run. Refuses a server that does not commit durably: headline
 * figures are measured with synchronous_commit=on (WORKLOADS.md).
 */
export async function throwawayPostgresSchema(runId: string): Promise<StoreSpec & { kind: 'postgres' }> {
  const client = await connect();
  try {
    const { rows } = await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
    if (rows[0]?.synchronous_commit !== 'on') {
      throw new Error(`synchronous_commit is '${rows[0]?.synchronous_commit}', not 'on': not durable`);
    }
  } finally {
    await client.end();
  }
  return { kind: 'postgres', connectionString: BENCH_DATABASE_URL, schema: `bench_${runId}`.toLowerCase() };
}

/** Drops a run's schema and everything in it. */
export async function dropPostgresSchema(schema: string): Promise<void> {
  const client = await connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema.replace(/"/g, '""')}" CASCADE`);
  } finally {
    await client.end();
  }
}

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: BENCH_DATABASE_URL, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}
