import Database from 'better-sqlite3';

/**
 * Which processes have a SQLite store open, told by the operating system's file locks on a small
 * lock file beside it (`<path>-lock`, itself an empty SQLite database, locked through SQLite).
 *
 * Every open backend holds a shared lock on it for as long as it is open. At start a backend first
 * tries the exclusive lock without waiting: it gets it only when no other process (and no other
 * backend in this one) has the store open, so any lease still in the store belongs to a process
 * that died (its locks died with it) and can be taken back at once instead of waiting out its
 * expiry. The exclusive lock is held while `whileSole` runs, so a backend starting meanwhile
 * waits instead of leasing work that is being reset. Then it is traded for the shared lock.
 *
 * When another holder is there, nothing is taken back: its leases are live, and those of a dead
 * process sharing the file with it expire as usual. A process that opens the store without this
 * lock (an engine of an older version) is not seen; run such versions against separate files.
 */
export class StoreOwnership {
  readonly #lockDb: Database.Database;

  private constructor(lockDb: Database.Database) {
    this.#lockDb = lockDb;
  }

  /** The lock file of the store at `path`; undefined for stores no other process can open. */
  static lockPathOf(path: string): string | undefined {
    if (path === '' || path === ':memory:' || path.startsWith('file:')) return undefined;
    return `${path}-lock`;
  }

  /**
   * Takes the shared lock, calling `whileSole` first if this is the only holder (under the
   * exclusive lock). `busyTimeoutMs` bounds the wait for a holder that is itself in `whileSole`.
   */
  static acquire(lockPath: string, busyTimeoutMs: number, whileSole: () => void): StoreOwnership {
    const lockDb = new Database(lockPath, { timeout: 0 });
    try {
      if (tryExclusive(lockDb)) {
        try {
          whileSole();
        } finally {
          lockDb.exec('COMMIT');
        }
      }
      // Another backend may take the exclusive lock in this gap; it then takes back nothing of
      // ours, since we lease nothing before start() returns.
      lockDb.pragma(`busy_timeout = ${busyTimeoutMs}`);
      lockDb.exec('BEGIN');
      lockDb.prepare('SELECT count(*) FROM sqlite_master').get(); // the shared lock, held to COMMIT
      return new StoreOwnership(lockDb);
    } catch (err) {
      lockDb.close();
      throw err;
    }
  }

  /** Drops the shared lock. Idempotent. */
  release(): void {
    if (!this.#lockDb.open) return;
    if (this.#lockDb.inTransaction) this.#lockDb.exec('COMMIT');
    this.#lockDb.close();
  }
}

function tryExclusive(db: Database.Database): boolean {
  try {
    db.exec('BEGIN EXCLUSIVE');
    return true;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'SQLITE_BUSY') return false;
    throw err;
  }
}

export interface LeasesTakenBack {
  readonly orchestrations: number;
  readonly activities: number;
}

/**
 * Releases every held lease of the store in one transaction: for a store no live process holds,
 * they are all a dead process's. The attempt counts stay (the crash counts as a try); an
 * instance closed by a delayed abandon has no lock token and stays closed until its time.
 */
export function takeBackLeases(db: Database.Database, now: number): LeasesTakenBack {
  return db
    .transaction(() => ({
      orchestrations: db
        .prepare('UPDATE instances SET lock_token = NULL, locked_until = NULL WHERE lock_token IS NOT NULL')
        .run().changes,
      activities: db
        .prepare(
          'UPDATE tasks SET lock_token = NULL, locked_until = NULL, visible_at = ? WHERE lock_token IS NOT NULL',
        )
        .run(now).changes,
    }))
    .immediate();
}
