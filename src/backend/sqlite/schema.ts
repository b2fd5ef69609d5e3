import type Database from 'better-sqlite3';

/**
 * The SQLite schema, versioned with `PRAGMA user_version`. Each migration moves the database from
 * version `index` to `index + 1` and runs in one transaction; add new ones at the end, never edit
 * an applied one.
 *
 * Leasing trick (as in visibility-timeout queues): a leased task gets `visible_at = locked_until`,
 * so an expired lease makes it visible again without a separate scan, and the lease query only
 * walks the `visible_at` index. Inbox rows are not touched by a lease: the instance lock hides
 * them (one row written per lease instead of every event row and its index entry); the attempt
 * count of the current turn is `instances.lease_count`, reset by each commit.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE instances (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    version TEXT,
    execution_id TEXT NOT NULL,
    status INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    last_updated_at INTEGER NOT NULL,
    started_at INTEGER,
    completed_at INTEGER,
    scheduled_start_at INTEGER,
    input TEXT,
    output TEXT,
    custom_status TEXT,
    failure_details BLOB,
    parent_instance_id TEXT,
    tags TEXT NOT NULL DEFAULT '{}',
    lock_token TEXT,
    locked_until INTEGER
  );
  CREATE INDEX ix_instances_parent ON instances (parent_instance_id) WHERE parent_instance_id IS NOT NULL;
  CREATE INDEX ix_instances_created ON instances (created_at, id);

  CREATE TABLE history (
    instance_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event BLOB NOT NULL,
    PRIMARY KEY (instance_id, seq)
  ) WITHOUT ROWID;

  CREATE TABLE inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL,
    event BLOB NOT NULL,
    visible_at INTEGER NOT NULL,
    lease_count INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX ix_inbox_visible ON inbox (visible_at);
  CREATE INDEX ix_inbox_instance ON inbox (instance_id);

  CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    task_id INTEGER NOT NULL,
    event BLOB NOT NULL,
    visible_at INTEGER NOT NULL,
    lock_token TEXT,
    locked_until INTEGER,
    lease_count INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX ix_tasks_visible ON tasks (visible_at);
  CREATE INDEX ix_tasks_instance ON tasks (instance_id);
  `,
  `
  ALTER TABLE instances ADD COLUMN lease_count INTEGER NOT NULL DEFAULT 0;
  `,
  // The lock token of the lease whose commit wrote the current history (NULL: not known), so a
  // worker can tell whether the history it kept in memory is still the stored one.
  `
  ALTER TABLE instances ADD COLUMN history_version TEXT;
  `,
  // Lease expiries are due times (nextDueTime): a worker waiting for an instance another worker
  // holds wakes when that lease runs out instead of at its next poll.
  `
  CREATE INDEX ix_instances_locked_until ON instances (locked_until) WHERE locked_until IS NOT NULL;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the database to SCHEMA_VERSION; refuses a database written by a newer version. */
export function migrate(db: Database.Database): void {
  const apply = db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > SCHEMA_VERSION) {
      throw new Error(
        `The database schema is version ${current}, newer than this engine supports (${SCHEMA_VERSION}).`,
      );
    }
    for (let version = current; version < SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version] ?? '');
    }
    if (current !== SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  });
  apply.immediate();
}
