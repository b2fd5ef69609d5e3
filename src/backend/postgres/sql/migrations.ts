/** Bookkeeping of applied schema migrations (one row per applied version). */

/** Serializes migrators of one schema across processes; released when the transaction ends. */
export const LOCK_MIGRATIONS = `SELECT pg_advisory_xact_lock($1::bigint)`;

export const CREATE_SCHEMA = `CREATE SCHEMA IF NOT EXISTS {schema}`;

export const CREATE_MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS {schema}.schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`;

export const SELECT_APPLIED_VERSIONS = `SELECT version FROM {schema}.schema_migrations ORDER BY version`;

export const RECORD_MIGRATION = `INSERT INTO {schema}.schema_migrations (version, name) VALUES ($1, $2)`;
