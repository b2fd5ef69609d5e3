import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteBackend } from '../../src/index.js';
import type { ScenarioStore, StoreFactory } from './harness.js';

/** The tables that hold rows of an instance, and the column naming it. */
const INSTANCE_ROWS_SQL = `
  SELECT (SELECT count(*) FROM instances WHERE id = @id)
       + (SELECT count(*) FROM history WHERE instance_id = @id)
       + (SELECT count(*) FROM inbox WHERE instance_id = @id)
       + (SELECT count(*) FROM tasks WHERE instance_id = @id) AS n`;

/** Scenario stores on a real SQLite file in a temporary directory, removed by dispose(). */
export const sqliteStore: StoreFactory = {
  name: 'SQLite file',
  async create(): Promise<ScenarioStore> {
    const dir = await mkdtemp(join(tmpdir(), 'durabletask-scenarios-'));
    const path = join(dir, 'scenarios.db');
    return {
      backend: new SqliteBackend({ path }),
      openBackend: () => new SqliteBackend({ path }),
      async rowsFor(instanceId) {
        // A separate read-only connection sees exactly what the backend committed.
        const db = new Database(path, { readonly: true, fileMustExist: true });
        try {
          const row = db.prepare(INSTANCE_ROWS_SQL).get({ id: instanceId }) as { n: number };
          return row.n;
        } finally {
          db.close();
        }
      },
      async dispose() {
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};
