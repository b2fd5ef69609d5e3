import { UsageError } from './usage-error.js';

/** Where the sidecar keeps its task hub. Only SQLite for now. */
export interface StoreLocation {
  readonly kind: 'sqlite';
  /** A file path, or ':memory:' for a private in-memory database (lost on exit). */
  readonly path: string;
}

const SQLITE_PREFIX = /^sqlite:(\/\/)?/;
// A URL scheme: letters, digits, '+', '-', '.' then '://'. Windows drive paths (C:\...) do not match.
const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * Reads `--db`: a SQLite file path, `sqlite:<path>` / `sqlite://<path>`, or `:memory:`. Any
 * other URL scheme is refused with a message that names only its scheme (a database URL may
 * carry a password).
 */
export function parseStoreLocation(db: string): StoreLocation {
  if (db.trim() === '') throw new UsageError('--db must not be empty.');
  if (SQLITE_PREFIX.test(db)) {
    const path = db.replace(SQLITE_PREFIX, '');
    if (path === '') throw new UsageError(`--db '${db}' names no file.`);
    return { kind: 'sqlite', path };
  }
  const scheme = URL_SCHEME.exec(db)?.[1];
  if (scheme !== undefined) {
    throw new UsageError(
      `--db: '${scheme}://' stores are not supported yet; use a SQLite file path (or sqlite:<path>) ` +
        `or ':memory:'.${/^postgres(ql)?$/i.test(scheme) ? ' PostgreSQL support is planned.' : ''}`,
    );
  }
  return { kind: 'sqlite', path: db };
}
