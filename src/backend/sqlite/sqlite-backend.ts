import { SILENT_LOGGER, type LogSink } from '../../logging/logger.js';
import { systemClock, type Clock } from '../../loop/clock.js';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { InstanceNotFoundError, LockLostError, NotCompletedError } from '../../api/errors.js';
import type { InstancePage, InstanceQuery, InstanceState, PurgeFilter } from '../../api/instance.js';
import { isTerminalStatus, OrchestrationStatus } from '../../api/status.js';
import type { HistoryEvent } from '../../proto/orchestrator_service_pb.js';
import type { TurnResult } from '../../runtime/turn.js';
import type {
  ActivityWorkItem,
  Backend,
  BackendNotification,
  CreateInstanceOptions,
  LeaseOptions,
  OrchestrationWorkItem,
} from '../backend.js';
import { InstanceQueries } from './instance-queries.js';
import { decodeStoredEvent } from './event-bytes.js';
import { GroupCommitter, type WriteOptions } from './group-commit.js';
import { Notifier, type ChangeSet } from './notifier.js';
import { decodeEvent, encodeEvent, instanceStateFromRow } from './rows.js';
import { migrate } from './schema.js';
import { prepareStatements, type Statements } from './statements.js';
import { StoreOwnership, takeBackLeases } from './store-ownership.js';
import { commitTurn, createInstanceRows, deleteInstanceRows, inboxIdsJson } from './writes.js';

export interface SqliteBackendOptions {
  /** Database file, or ':memory:' for a private in-memory database. Default 'durabletask.db'. */
  readonly path?: string;
  /** Time of every stored time and lease; default the system clock. Tests inject a fake one. */
  readonly clock?: Pick<Clock, 'now'>;
  /** FULL survives power loss; NORMAL (in WAL mode) may lose the last commits on power loss. Default FULL. */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** How long a write waits for another connection's lock before failing. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /**
   * Schedules the commit of the writes gathered so far (group commit, see group-commit.ts).
   * Default setImmediate: every write issued in one event-loop turn shares one transaction.
   */
  readonly scheduleFlush?: (flush: () => void) => void;
  readonly logger?: LogSink;
}

/**
 * Leases and renewals are not fsynced: lost on power failure, a lease is simply gone (the work
 * is leased again and redone; the old holder's commit fails on its token), which leases allow.
 */
const LEASE_WRITE: WriteOptions = { durable: false };

/**
 * An activity result need not be fsynced either: activities run at least once, so a result lost
 * on power failure (with the deletion of its task, in the same transaction) only means the
 * activity runs again. The next durable commit, at the latest the turn that consumes the result,
 * makes it durable: the log is appended in order. Batched, so a burst of results still shares
 * one transaction; alone (a sequence), it commits without waiting for the disk.
 */
const ACTIVITY_RESULT_WRITE: WriteOptions = { durable: false, batched: true };

/** SQLite's LIMIT -1 means "no limit": used when a lease sets no maxEvents. */
const NO_LIMIT = -1;

interface Open {
  readonly db: Database.Database;
  readonly ownership: StoreOwnership | undefined;
  readonly s: Statements;
  readonly queries: InstanceQueries;
  readonly writes: GroupCommitter;
}

/**
 * The embedded backend: one SQLite database (WAL mode), every operation one transaction over
 * statements prepared at start. Writes take the write lock up front (`BEGIN IMMEDIATE`) so two
 * processes sharing the file never deadlock upgrading a read lock.
 */
export class SqliteBackend implements Backend {
  readonly #path: string;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #synchronous: 'FULL' | 'NORMAL';
  readonly #busyTimeoutMs: number;
  readonly #scheduleFlush: (flush: () => void) => void;
  readonly #logger: LogSink;
  readonly #notifier: Notifier;
  #open: Open | undefined;

  constructor(options: SqliteBackendOptions = {}) {
    this.#path = options.path ?? 'durabletask.db';
    this.#clock = options.clock ?? systemClock;
    this.#synchronous = options.synchronous ?? 'FULL';
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    this.#scheduleFlush = options.scheduleFlush ?? ((flush) => void setImmediate(flush));
    this.#logger = options.logger ?? SILENT_LOGGER;
    this.#notifier = new Notifier((err) => this.#logger.error({ err }, 'A backend listener threw.'));
  }

  async start(): Promise<void> {
    if (this.#open) return;
    const db = new Database(this.#path, { timeout: this.#busyTimeoutMs });
    let ownership: StoreOwnership | undefined;
    try {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${this.#synchronous}`);
      migrate(db);
      ownership = this.#acquireOwnership(db);
      // One wrapper, created once: at top level BEGIN IMMEDIATE … COMMIT (the write lock up
      // front), nested inside a transaction a SAVEPOINT.
      const transaction = db.transaction((work: () => unknown) => work());
      const skipFsync = db.prepare('PRAGMA synchronous = NORMAL');
      const restoreSynchronous = db.prepare(`PRAGMA synchronous = ${this.#synchronous}`);
      const nonDurableTransaction = <T>(fn: () => T): T => {
        // In WAL mode NORMAL commits without fsync; the WAL stays consistent and the next FULL
        // commit's fsync covers these frames too.
        skipFsync.run();
        try {
          return transaction.immediate(fn) as T;
        } finally {
          restoreSynchronous.run();
        }
      };
      this.#open = {
        db,
        ownership,
        s: prepareStatements(db),
        queries: new InstanceQueries(db),
        writes: new GroupCommitter({
          inTransaction: (fn, durable) =>
            durable || this.#synchronous !== 'FULL'
              ? (transaction.immediate(fn) as ReturnType<typeof fn>)
              : nonDurableTransaction(fn),
          inSavepoint: (fn) => transaction(fn) as ReturnType<typeof fn>,
          clock: this.#clock,
          schedule: this.#scheduleFlush,
          onCommitted: (changes) => this.#notifier.emitAll(changes),
        }),
      };
    } catch (err) {
      ownership?.release();
      db.close();
      throw err;
    }
  }

  /**
   * Joins the store's holders (see store-ownership.ts). The first holder after a crash takes the
   * dead process's leases back at once: its in-flight work resumes now, not when the leases expire.
   */
  #acquireOwnership(db: Database.Database): StoreOwnership | undefined {
    const lockPath = StoreOwnership.lockPathOf(this.#path);
    if (lockPath === undefined) return undefined;
    return StoreOwnership.acquire(lockPath, this.#busyTimeoutMs, () => {
      const taken = takeBackLeases(db, this.#clock.now());
      if (taken.orchestrations + taken.activities === 0) return;
      this.#logger.warn(
        taken,
        'took back the leases of a process that stopped without releasing them; their work resumes now',
      );
    });
  }

  async stop(): Promise<void> {
    const open = this.#open;
    this.#open = undefined;
    if (!open) return;
    // Writes already accepted are committed (and answered) before the database closes.
    open.writes.flush();
    open.db.close();
    open.ownership?.release();
  }

  async now(): Promise<number> {
    return this.#clock.now();
  }

  subscribe(listener: (notification: BackendNotification) => void): () => void {
    return this.#notifier.subscribe(listener);
  }

  /**
   * Runs `work` atomically (its own savepoint in the next group commit; a write that need not be
   * durable runs at once, see WriteOptions); settles once committed, after its changes were
   * announced.
   */
  async #write<T>(
    work: (s: Statements, now: number, changes: ChangeSet) => T,
    options?: WriteOptions,
  ): Promise<T> {
    const { s, writes } = this.#opened();
    return writes.submit((now, changes) => work(s, now, changes), options);
  }

  #opened(): Open {
    if (!this.#open) throw new Error('The SQLite backend is not started.');
    return this.#open;
  }

  async createInstance(startEvent: HistoryEvent, options?: CreateInstanceOptions): Promise<void> {
    await this.#write((s, now, changes) => createInstanceRows(s, startEvent, now, options, changes));
  }

  async addEvent(instanceId: string, event: HistoryEvent, visibleAt?: number): Promise<void> {
    await this.#write((s, now, changes) => {
      if (!s.selectInstanceHead.get(instanceId)) throw new InstanceNotFoundError(instanceId);
      s.insertInbox.run(instanceId, encodeEvent(event), visibleAt ?? now);
      // A terminate does not wait for a scheduled start: the start comes forward so the next
      // turn takes both and ends the instance now.
      if (event.eventType.case === 'executionTerminated') {
        const pending = OrchestrationStatus.PENDING;
        if (s.startPendingNow.run({ id: instanceId, now, pending }).changes > 0)
          s.inboxVisibleNow.run({ id: instanceId, now });
      }
      changes.orchestrationWork = true;
    });
  }

  /** One transaction for the whole batch: a lease's cost is mostly its transaction. */
  async leaseOrchestrationWorkItems(options: LeaseOptions, max: number): Promise<OrchestrationWorkItem[]> {
    return this.#write((s, now) => {
      const items: OrchestrationWorkItem[] = [];
      const limit = options.maxEvents === undefined ? NO_LIMIT : Math.max(1, options.maxEvents);
      const lockedUntil = now + options.lockDurationMs;
      while (items.length < max) {
        // An instance locked by this loop is no longer a candidate.
        const candidate = s.findLeasableInstance.get({ now });
        if (!candidate) break;
        const lockToken = randomUUID();
        const lock = s.lockInstance.get(lockToken, lockedUntil, candidate.id);
        // The lock hides the instance's inbox from other leases (see schema.ts).
        const rows = s.selectVisibleInbox.all({ instanceId: candidate.id, now, limit });
        items.push({
          instanceId: candidate.id,
          newEvents: rows.map((row) => decodeStoredEvent(row.event)),
          inboxIds: rows.map((row) => String(row.id)),
          lockToken,
          lockedUntil,
          // lease_count already counts this lease.
          attempt: Math.max(0, (lock?.lease_count ?? 1) - 1),
          ...(typeof lock?.history_version === 'string' && { historyVersion: lock.history_version }),
          nextHistoryVersion: lockToken,
        });
      }
      return items;
    }, LEASE_WRITE);
  }

  async getHistory(instanceId: string): Promise<HistoryEvent[]> {
    return this.#opened()
      .s.selectHistory.all(instanceId)
      .map((row) => decodeEvent(row.event));
  }

  async renewOrchestrationLease(item: OrchestrationWorkItem, lockDurationMs: number): Promise<number> {
    return this.#write((s, now) => {
      const lockedUntil = now + lockDurationMs;
      const renewed = s.renewInstanceLock.run(lockedUntil, item.instanceId, item.lockToken, now);
      if (renewed.changes === 0) throw new LockLostError(`orchestration '${item.instanceId}'`);
      return lockedUntil;
    }, LEASE_WRITE);
  }

  async commitOrchestrationTurn(item: OrchestrationWorkItem, result: TurnResult): Promise<void> {
    await this.#write((s, now, changes) => commitTurn(s, item, result, now, changes));
  }

  async abandonOrchestrationWorkItem(item: OrchestrationWorkItem, delayMs: number): Promise<void> {
    await this.#write((s, now, changes) => {
      const visibleAt = now + Math.max(0, delayMs);
      // With a delay the instance stays closed to leases until then, so no later event of it is
      // handled before the delayed ones (turn order is arrival order).
      const released = s.releaseInstanceLock.run(
        visibleAt > now ? visibleAt : null,
        item.instanceId,
        item.lockToken,
      );
      if (released.changes === 0) throw new LockLostError(`orchestration '${item.instanceId}'`);
      // The delayed events also move behind every event visible before them (turn order across
      // instances follows visibility); without a delay they never stopped being visible.
      if (visibleAt > now) s.setInboxVisibleByIds.run(visibleAt, item.instanceId, inboxIdsJson(item));
      changes.orchestrationWork = true;
    });
  }

  async leaseActivityWorkItems(options: LeaseOptions, max: number): Promise<ActivityWorkItem[]> {
    if (max < 1) return [];
    return this.#write((s, now) => {
      const lockToken = randomUUID();
      const lockedUntil = now + options.lockDurationMs;
      const rows = s.leaseTasks.all({ lockToken, lockedUntil, now, limit: max });
      // RETURNING gives no order: keep the queue's.
      rows.sort((a, b) => a.id - b.id);
      return rows.map((row) => ({
        id: String(row.id),
        instanceId: row.instance_id,
        executionId: row.execution_id,
        taskId: row.task_id,
        event: decodeEvent(row.event),
        lockToken,
        lockedUntil,
        attempt: row.lease_count - 1,
      }));
    }, LEASE_WRITE);
  }

  async renewActivityLease(item: ActivityWorkItem, lockDurationMs: number): Promise<number> {
    return this.#write((s, now) => {
      const lockedUntil = now + lockDurationMs;
      const renewed = s.renewTaskLock.run({
        lockedUntil,
        id: Number(item.id),
        lockToken: item.lockToken,
        now,
      });
      if (renewed.changes === 0)
        throw new LockLostError(`activity task ${item.taskId} of '${item.instanceId}'`);
      return lockedUntil;
    }, LEASE_WRITE);
  }

  async completeActivityWorkItem(item: ActivityWorkItem, result: HistoryEvent): Promise<void> {
    await this.#write((s, now, changes) => {
      const deleted = s.deleteLockedTask.run(Number(item.id), item.lockToken, now);
      if (deleted.changes === 0)
        throw new LockLostError(`activity task ${item.taskId} of '${item.instanceId}'`);
      // A result for a purged instance, or for an execution replaced since (restart,
      // continue-as-new), would be misread by the current one: drop it.
      const head = s.selectInstanceHead.get(item.instanceId);
      if (!head || head.execution_id !== item.executionId) return;
      s.insertInbox.run(item.instanceId, encodeEvent(result), now);
      changes.orchestrationWork = true;
    }, ACTIVITY_RESULT_WRITE);
  }

  async abandonActivityWorkItem(item: ActivityWorkItem, delayMs: number): Promise<void> {
    await this.#write((s, now, changes) => {
      const released = s.releaseTaskLock.run(now + Math.max(0, delayMs), Number(item.id), item.lockToken);
      if (released.changes === 0)
        throw new LockLostError(`activity task ${item.taskId} of '${item.instanceId}'`);
      changes.activityWork = true;
    });
  }

  async nextDueTime(): Promise<number | undefined> {
    return this.#opened().s.nextDueTime.get({ now: this.#clock.now() })?.due ?? undefined;
  }

  async getInstance(instanceId: string, includePayloads: boolean): Promise<InstanceState | undefined> {
    const row = this.#opened().s.selectInstance.get(instanceId);
    return row ? instanceStateFromRow(row, includePayloads) : undefined;
  }

  async queryInstances(query: InstanceQuery): Promise<InstancePage<InstanceState>> {
    return this.#opened().queries.query(query);
  }

  async listInstanceIds(query: InstanceQuery): Promise<InstancePage<string>> {
    return this.#opened().queries.listIds(query);
  }

  async purgeInstance(instanceId: string, recursive: boolean): Promise<number> {
    return this.#write((s, _now, changes) => {
      const head = s.selectInstanceHead.get(instanceId);
      if (!head) throw new InstanceNotFoundError(instanceId);
      if (!isTerminalStatus(head.status)) throw new NotCompletedError(instanceId);
      return purgeTree(s, instanceId, recursive, new Set(), changes);
    });
  }

  async purgeInstances(filter: PurgeFilter): Promise<number> {
    const { queries } = this.#opened();
    return this.#write((s, _now, changes) => {
      const ids = queries.purgeCandidates(filter);
      for (const id of ids) deleteInstanceRows(s, id, changes);
      return ids.length;
    });
  }
}

/**
 * Deletes an instance and, when recursive, its terminal sub-orchestrations (a child still running
 * is left alone with its own subtree). `seen` guards against a cycle of parent ids.
 */
function purgeTree(
  s: Statements,
  instanceId: string,
  recursive: boolean,
  seen: Set<string>,
  changes: ChangeSet,
): number {
  seen.add(instanceId);
  let count = 0;
  if (recursive) {
    for (const child of s.selectChildren.all(instanceId)) {
      if (seen.has(child.id) || !isTerminalStatus(child.status)) continue;
      count += purgeTree(s, child.id, true, seen, changes);
    }
  }
  deleteInstanceRows(s, instanceId, changes);
  return count + 1;
}
