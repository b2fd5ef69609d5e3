import Database from 'better-sqlite3';
import pg from 'pg';
import type { StoreSpec } from '../configs/stores.js';

/**
 * Fills a store with `count` completed instances, fast: each a copy of one real completed
 * instance (`templateId`, its row and its history rows, byte for byte), with its own id and
 * created/completed times spread over the hour before `completedBefore`. Prints progress.
 */
export async function seedCompleted(
  store: StoreSpec,
  templateId: string,
  count: number,
  completedBefore: number,
  progress: (done: number) => void,
): Promise<void> {
  const chunk = 50_000;
  if (store.kind === 'sqlite') {
    const db = new Database(store.path);
    try {
      const columns = (db.prepare('PRAGMA table_info(instances)').all() as { name: string }[]).map(
        (c) => c.name,
      );
      const copied = columns.map((c) =>
        c === 'id' ? "'seed-' || printf('%08d', n.i)" : timeColumn(c, '? - n.i'),
      );
      const insertInstances = db.prepare(
        `WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO instances (${columns.join(', ')}) SELECT ${copied.join(', ')} FROM instances, n WHERE id = ?`,
      );
      const insertHistory = db.prepare(
        `WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO history (instance_id, seq, event)
         SELECT 'seed-' || printf('%08d', n.i), seq, event FROM history, n WHERE instance_id = ?`,
      );
      for (let from = 1; from <= count; from += chunk) {
        const to = Math.min(count, from + chunk - 1);
        const times = copied.filter((c) => c.includes('?')).map(() => completedBefore);
        db.transaction(() => {
          insertInstances.run(from, to, ...times, templateId);
          insertHistory.run(from, to, templateId);
        })();
        progress(to);
      }
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: store.connectionString });
  await client.connect();
  try {
    const schema = `"${store.schema.replace(/"/g, '""')}"`;
    const { rows } = await client.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'instances' ORDER BY ordinal_position`,
      [store.schema],
    );
    const columns = rows.map((r) => r.column_name);
    const copied = columns.map((c) =>
      c === 'id' ? "'seed-' || lpad(n::text, 8, '0')" : timeColumn(c, '$4 - n'),
    );
    const history = await client.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'history' ORDER BY ordinal_position`,
      [store.schema],
    );
    const historyColumns = history.rows.map((r) => r.column_name);
    const historyCopied = historyColumns.map((c) =>
      c === 'instance_id' ? "'seed-' || lpad(n::text, 8, '0')" : c,
    );
    for (let from = 1; from <= count; from += chunk) {
      const to = Math.min(count, from + chunk - 1);
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO ${schema}.instances (${columns.join(', ')})
         SELECT ${copied.join(', ')} FROM ${schema}.instances, generate_series($1::bigint, $2::bigint) AS n WHERE id = $3`,
        [from, to, templateId, completedBefore],
      );
      await client.query(
        `INSERT INTO ${schema}.history (${historyColumns.join(', ')})
         SELECT ${historyCopied.join(', ')} FROM ${schema}.history, generate_series($1::bigint, $2::bigint) AS n WHERE instance_id = $3`,
        [from, to, templateId],
      );
      await client.query('COMMIT');
      progress(to);
    }
    await client.query(`ANALYZE ${schema}.instances`);
  } finally {
    await client.end();
  }
}

/** Times move back one ms per copy, so copies are ordered; other columns are copied as they are. */
function timeColumn(column: string, expression: string): string {
  return ['created_at', 'last_updated_at', 'started_at', 'completed_at'].includes(column)
    ? `${expression} - 3600000`
    : column;
}
