import type Database from 'better-sqlite3';
import type { InboxRow, InstanceRow, LockRow, TaskRow } from './rows.js';

/**
 * Every fixed statement the backend runs, prepared once when the database opens. Lists of ids are
 * bound as one JSON array and expanded with `json_each`, so variable-length lists still use a
 * prepared statement.
 */

const INSTANCE_COLUMNS = `id, name, version, execution_id, status, created_at, last_updated_at, started_at,
  completed_at, scheduled_start_at, input, output, custom_status, failure_details, parent_instance_id, tags`;

export type Statements = ReturnType<typeof prepareStatements>;

/** The part of a better-sqlite3 statement the backend uses, typed by its parameters and row. */
export interface Stmt<P extends unknown[], R = unknown> {
  run(...params: P): Database.RunResult;
  get(...params: P): R | undefined;
  all(...params: P): R[];
}

export function prepareStatements(db: Database.Database) {
  const prepare = <P extends unknown[], R = unknown>(sql: string): Stmt<P, R> => db.prepare<P, R>(sql);
  return {
    insertInstance: prepare<
      [
        {
          id: string;
          name: string;
          version: string | null;
          executionId: string;
          status: number;
          now: number;
          scheduledStartAt: number | null;
          input: string | null;
          parentInstanceId: string | null;
          tags: string;
        },
      ]
    >(
      `INSERT INTO instances (id, name, version, execution_id, status, created_at, last_updated_at,
        scheduled_start_at, input, parent_instance_id, tags)
       VALUES (@id, @name, @version, @executionId, @status, @now, @now, @scheduledStartAt, @input,
        @parentInstanceId, @tags)`,
    ),
    selectInstance: prepare<[string], InstanceRow>(`SELECT ${INSTANCE_COLUMNS} FROM instances WHERE id = ?`),
    selectInstanceHead: prepare<[string], { status: number; execution_id: string }>(
      'SELECT status, execution_id FROM instances WHERE id = ?',
    ),
    selectLock: prepare<[string], LockRow>('SELECT lock_token, locked_until FROM instances WHERE id = ?'),
    selectChildren: prepare<[string], { id: string; status: number }>(
      'SELECT id, status FROM instances WHERE parent_instance_id = ? ORDER BY id',
    ),
    updateInstanceFromTurn: prepare<
      [
        {
          id: string;
          name: string;
          version: string | null;
          executionId: string;
          status: number;
          input: string | null;
          output: string | null;
          customStatus: string | null;
          failureDetails: Uint8Array | null;
          startedAt: number | null;
          completedAt: number | null;
          parentInstanceId: string | null;
          tags: string;
          historyVersion: string;
          now: number;
        },
      ]
    >(
      `UPDATE instances SET name = @name, version = @version, execution_id = @executionId,
        status = @status, input = @input, output = @output, custom_status = @customStatus,
        failure_details = @failureDetails, started_at = @startedAt, completed_at = @completedAt,
        parent_instance_id = @parentInstanceId, tags = @tags, last_updated_at = @now,
        lock_token = NULL, locked_until = NULL, lease_count = 0, history_version = @historyVersion
       WHERE id = @id`,
    ),
    deleteInstance: prepare<[string]>('DELETE FROM instances WHERE id = ?'),

    // Orchestration leases.
    findLeasableInstance: prepare<[{ now: number }], { id: string }>(
      `SELECT e.instance_id AS id FROM inbox e JOIN instances i ON i.id = e.instance_id
       WHERE e.visible_at <= @now AND (i.locked_until IS NULL OR i.locked_until <= @now)
         AND (i.scheduled_start_at IS NULL OR i.scheduled_start_at <= @now)
       ORDER BY e.visible_at, e.id LIMIT 1`,
    ),
    lockInstance: prepare<[string, number, string], { lease_count: number; history_version: string | null }>(
      `UPDATE instances SET lock_token = ?, locked_until = ?, lease_count = lease_count + 1 WHERE id = ?
       RETURNING lease_count, history_version`,
    ),
    // The instance lock hides these rows from other leases: they are read, not updated.
    selectVisibleInbox: prepare<[{ instanceId: string; now: number; limit: number }], InboxRow>(
      `SELECT id, event FROM inbox WHERE instance_id = @instanceId AND visible_at <= @now
       ORDER BY id LIMIT @limit`,
    ),
    renewInstanceLock: prepare<[number, string, string, number]>(
      'UPDATE instances SET locked_until = ? WHERE id = ? AND lock_token = ? AND locked_until > ?',
    ),
    releaseInstanceLock: prepare<[number | null, string, string]>(
      'UPDATE instances SET lock_token = NULL, locked_until = ? WHERE id = ? AND lock_token = ?',
    ),
    setInboxVisibleByIds: prepare<[number, string, string]>(
      'UPDATE inbox SET visible_at = ? WHERE instance_id = ? AND id IN (SELECT value FROM json_each(?))',
    ),
    deleteInboxByIds: prepare<[string, string]>(
      'DELETE FROM inbox WHERE instance_id = ? AND id IN (SELECT value FROM json_each(?))',
    ),
    hasVisibleInbox: prepare<[string, number], { found: number }>(
      'SELECT 1 AS found FROM inbox WHERE instance_id = ? AND visible_at <= ? LIMIT 1',
    ),
    insertInbox: prepare<[string, Uint8Array, number]>(
      'INSERT INTO inbox (instance_id, event, visible_at) VALUES (?, ?, ?)',
    ),
    /** Brings a PENDING instance's scheduled start forward to now (0 changes when none waits). */
    startPendingNow: prepare<[{ id: string; now: number; pending: number }]>(
      `UPDATE instances SET scheduled_start_at = NULL
       WHERE id = @id AND status = @pending AND scheduled_start_at > @now`,
    ),
    /** Makes an instance's future inbox rows visible now (a pending instance's start event). */
    inboxVisibleNow: prepare<[{ id: string; now: number }]>(
      'UPDATE inbox SET visible_at = @now WHERE instance_id = @id AND visible_at > @now',
    ),
    /** The inbox rows of an instance in arrival order, with what a move must keep. */
    selectInboxOf: prepare<[string], { event: Uint8Array; visible_at: number; lease_count: number }>(
      'SELECT event, visible_at, lease_count FROM inbox WHERE instance_id = ? ORDER BY id',
    ),
    insertInboxRow: prepare<[string, Uint8Array, number, number]>(
      'INSERT INTO inbox (instance_id, event, visible_at, lease_count) VALUES (?, ?, ?, ?)',
    ),
    deleteInboxOf: prepare<[string]>('DELETE FROM inbox WHERE instance_id = ?'),

    // History.
    selectHistory: prepare<[string], { event: Uint8Array }>(
      'SELECT event FROM history WHERE instance_id = ? ORDER BY seq',
    ),
    nextHistorySeq: prepare<[string], { next: number }>(
      'SELECT COALESCE(MAX(seq) + 1, 0) AS next FROM history WHERE instance_id = ?',
    ),
    insertHistory: prepare<[string, number, Uint8Array]>(
      'INSERT INTO history (instance_id, seq, event) VALUES (?, ?, ?)',
    ),
    deleteHistoryOf: prepare<[string]>('DELETE FROM history WHERE instance_id = ?'),

    // Activity tasks.
    insertTask: prepare<[string, string, number, Uint8Array, number]>(
      `INSERT INTO tasks (instance_id, execution_id, task_id, event, visible_at) VALUES (?, ?, ?, ?, ?)`,
    ),
    // The tasks of one batch share a token: each is still identified by its id with it.
    leaseTasks: prepare<[{ lockToken: string; lockedUntil: number; now: number; limit: number }], TaskRow>(
      `UPDATE tasks SET lock_token = @lockToken, locked_until = @lockedUntil, visible_at = @lockedUntil,
         lease_count = lease_count + 1
       WHERE id IN (SELECT id FROM tasks WHERE visible_at <= @now ORDER BY visible_at, id LIMIT @limit)
       RETURNING id, instance_id, execution_id, task_id, event, lease_count`,
    ),
    renewTaskLock: prepare<[{ lockedUntil: number; id: number; lockToken: string; now: number }]>(
      `UPDATE tasks SET locked_until = @lockedUntil, visible_at = @lockedUntil
       WHERE id = @id AND lock_token = @lockToken AND locked_until > @now`,
    ),
    deleteLockedTask: prepare<[number, string, number]>(
      'DELETE FROM tasks WHERE id = ? AND lock_token = ? AND locked_until > ?',
    ),
    releaseTaskLock: prepare<[number, number, string]>(
      'UPDATE tasks SET lock_token = NULL, locked_until = NULL, visible_at = ? WHERE id = ? AND lock_token = ?',
    ),
    deleteTasksOf: prepare<[string]>('DELETE FROM tasks WHERE instance_id = ?'),

    // An instance lease leaves its inbox rows as they are (see schema.ts): its expiry is a due
    // time of its own. A task lease moves the task's visible_at, so tasks need no second term.
    nextDueTime: prepare<[{ now: number }], { due: number | null }>(
      `SELECT MIN(due) AS due FROM (
         SELECT MIN(visible_at) AS due FROM inbox WHERE visible_at > @now
         UNION ALL SELECT MIN(visible_at) FROM tasks WHERE visible_at > @now
         UNION ALL SELECT MIN(locked_until) FROM instances WHERE locked_until > @now)`,
    ),
  };
}
