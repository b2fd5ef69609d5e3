import { DEFAULT_POOL_SIZE, validateSchemaName } from '../backend/postgres/index.js';

export { DEFAULT_POOL_SIZE };
import { integerFlag } from './integer-flag.js';
import { UsageError } from './usage-error.js';

/** Where the sidecar keeps its task hub. */
export type StoreLocation = SqliteStoreLocation | PostgresStoreLocation;

export interface SqliteStoreLocation {
  readonly kind: 'sqlite';
  /** A file path, or ':memory:' for a private in-memory database (lost on exit). */
  readonly path: string;
}

export interface PostgresStoreLocation {
  readonly kind: 'postgres';
  /** The `--db` URL as given (it may carry a password: print `describeStore` instead). */
  readonly connectionString: string;
  /** The schema holding the task hub's tables; processes sharing it share the work. */
  readonly schema: string;
  /** Most pooled connections of the backend. */
  readonly poolSize: number;
}

/** The PostgreSQL-only flags, as given (undefined when absent). */
export interface PostgresFlags {
  readonly schema?: string | undefined;
  readonly poolSize?: string | undefined;
}

export const DEFAULT_SCHEMA = 'durabletask';
const MAX_POOL_SIZE = 1000;

const SQLITE_PREFIX = /^sqlite:(\/\/)?/;
// A URL scheme: letters, digits, '+', '-', '.' then '://'. Windows drive paths (C:\...) do not match.
const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
const POSTGRES_SCHEME = /^postgres(ql)?$/i;
const MASK = '***';

/**
 * Reads `--db` (with `--schema` and `--pool-size`): a SQLite file path, `sqlite:<path>` /
 * `sqlite://<path>`, `:memory:`, or a `postgres://` / `postgresql://` URL. Other URL schemes are
 * refused. Messages never repeat a database URL, which may carry a password.
 */
export function parseStoreLocation(db: string, flags: PostgresFlags = {}): StoreLocation {
  if (db.trim() === '') throw new UsageError('--db must not be empty.');
  const scheme = SQLITE_PREFIX.test(db) ? 'sqlite' : URL_SCHEME.exec(db)?.[1];
  if (scheme !== undefined && POSTGRES_SCHEME.test(scheme)) return postgresLocation(db, scheme, flags);
  if (flags.schema !== undefined || flags.poolSize !== undefined) {
    const flag = flags.schema !== undefined ? '--schema' : '--pool-size';
    throw new UsageError(`${flag} applies only to a PostgreSQL store (--db postgres://...).`);
  }
  if (scheme === 'sqlite') {
    const path = db.replace(SQLITE_PREFIX, '');
    if (path === '') throw new UsageError(`--db '${db}' names no file.`);
    return { kind: 'sqlite', path };
  }
  if (scheme !== undefined) {
    throw new UsageError(
      `--db: '${scheme}://' stores are not supported; use a SQLite file path (or sqlite:<path>), ` +
        `':memory:', or a postgres:// URL.`,
    );
  }
  return { kind: 'sqlite', path: db };
}

function postgresLocation(db: string, scheme: string, flags: PostgresFlags): PostgresStoreLocation {
  if (!URL.canParse(db)) {
    throw new UsageError(
      `--db: not a valid ${scheme}:// URL (expected ${scheme}://user@host:port/database).`,
    );
  }
  const schema = flags.schema ?? DEFAULT_SCHEMA;
  try {
    validateSchemaName(schema);
  } catch (err) {
    throw new UsageError(`--schema: ${(err as Error).message}`);
  }
  return {
    kind: 'postgres',
    connectionString: db,
    schema,
    poolSize:
      flags.poolSize === undefined
        ? DEFAULT_POOL_SIZE
        : integerFlag(flags.poolSize, '--pool-size', 1, MAX_POOL_SIZE),
  };
}

/** A database URL with any password (in the user part or a `password` parameter) masked. */
export function maskPassword(connectionString: string): string {
  if (!URL.canParse(connectionString)) return '<unparsable URL>';
  const url = new URL(connectionString);
  if (url.password !== '') url.password = MASK;
  if (url.searchParams.has('password')) url.searchParams.set('password', MASK);
  return url.toString();
}

/** The store, for the listening line and errors: `sqlite: <path>` or `postgres: <url>, schema <name>`. */
export function describeStore(store: StoreLocation): string {
  switch (store.kind) {
    case 'sqlite':
      return `sqlite: ${store.path}`;
    case 'postgres':
      return `postgres: ${maskPassword(store.connectionString)}, schema ${store.schema}`;
  }
}
