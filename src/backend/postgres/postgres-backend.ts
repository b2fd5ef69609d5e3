import { randomUUID } from 'node:crypto';
import { InstanceNotFoundError, LockLostError, NotCompletedError } from '../../api/errors.js';
import type { InstancePage, InstanceQuery, InstanceState, PurgeFilter } from '../../api/instance.js';
import { isTerminalStatus } from '../../api/status.js';
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
import { createConnections, type Connections } from './connections.js';
import { InstanceQueries } from './instance-queries.js';
import { KeyedSequencer } from './keyed-sequencer.js';
import { migrate, type MigrationResult } from './migrate.js';
import { ChangeSet, decodeChanges, NotificationFanOut } from './notifications.js';
import {
  channelName,
  compileOptions,
  type CompiledPostgresOptions,
  type PostgresBackendOptions,
} from './options.js';
import {
  decodeEvent,
  instanceStateFromRow,
  workItemsFromRows,
  type InstanceHeadRow,
  type InstanceRow,
  type LeasedTurnRow,
  type TaskRow,
} from './rows.js';
import { RemoteAnnouncer } from './remote-announcer.js';
import { quoteIdentifier } from './sql/compile.js';
import { compileBackendStatements, type Statements } from './statements.js';
import {
  addEventInOneStatement,
  commitTurnInOneStatement,
  completeTaskInOneStatement,
  createInstanceInOneStatement,
  type SingleStatementScope,
} from './single-statement-writes.js';
import { commitTurn, createInstanceRows, purgeTree, type WriteScope } from './writes.js';

/**
 * How many visible inbox events of leasable instances a batch lease reads per turn it asks for:
 * events of one instance come in runs (an orchestration with many results), and each instance
 * is leased once.
 */
const LEASE_SCAN_FACTOR = 16;

/** A batch size as a whole number of at least one. */
function batchSize(max: number): number {
  return Math.max(1, Math.floor(max));
}

/** Lease and delay durations as whole, non-negative milliseconds (bigint parameters). */
function durationParam(ms: number): number {
  return Math.max(0, Math.ceil(ms));
}

/**
 * The scale-out backend: several engine processes share one PostgreSQL database (one schema per
 * task hub) and compete for work with leases. Instances and tasks are leased with
 * `FOR … SKIP LOCKED` and expire by the database clock. What a write changed is announced once it
 * has committed: to this backend's subscribers at once, and to other processes with NOTIFY
 * (coalesced, see remote-announcer.ts), which one listening connection per backend turns into
 * `subscribe` callbacks, so idle workers and waiting clients in every process wake up without
 * polling.
 */
export class PostgresBackend implements Backend {
  readonly #options: CompiledPostgresOptions;
  readonly #quotedSchema: string;
  readonly #channel: string;
  readonly #s: Statements;
  readonly #queries: InstanceQueries;
  readonly #fanOut: NotificationFanOut;
  /** Tags this backend's NOTIFY payloads, so their echo through LISTEN is not announced twice. */
  readonly #origin = randomUUID();
  readonly #addEventOrder = new KeyedSequencer();
  #open: Connections | undefined;
  #announcer: RemoteAnnouncer | undefined;
  #starting: Promise<void> | undefined;
  #lastMigration: MigrationResult | undefined;

  constructor(options: PostgresBackendOptions) {
    this.#options = compileOptions(options);
    this.#quotedSchema = quoteIdentifier(this.#options.schema);
    this.#channel = channelName(this.#options.schema);
    this.#s = compileBackendStatements(this.#quotedSchema);
    this.#queries = new InstanceQueries(this.#quotedSchema);
    this.#fanOut = new NotificationFanOut((err) =>
      this.#options.logger.error({ err }, 'A backend listener threw.'),
    );
  }

  /** The schema this backend's tables live in. */
  get schema(): string {
    return this.#options.schema;
  }

  /** What the last `start()` did to the schema (for diagnostics and tests). */
  get lastMigration(): MigrationResult | undefined {
    return this.#lastMigration;
  }

  async start(): Promise<void> {
    if (this.#open) return;
    this.#starting ??= this.#startOnce().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  async #startOnce(): Promise<void> {
    const { logger, schema } = this.#options;
    const connections = createConnections(this.#options, {
      channel: this.#channel,
      onPayload: (payload) => this.#onPayload(payload),
      // Notifications sent while the listener was away are lost: wake every worker once.
      onReconnected: () => this.#fanOut.emit([{ kind: 'orchestration-work' }, { kind: 'activity-work' }]),
    });
    try {
      const migration = await connections.db.transaction((tx) => migrate(tx, schema, this.#quotedSchema));
      this.#lastMigration = migration;
      if (migration.applied.length > 0) {
        logger.info({ schema, applied: migration.applied }, 'Applied schema migrations.');
      }
      await connections.listener.start();
    } catch (err) {
      await connections.listener.stop();
      await connections.pool.end().catch(() => undefined);
      throw err;
    }
    this.#announcer = new RemoteAnnouncer({
      send: async (payloads) => {
        await connections.db.query(this.#s.NOTIFY, [this.#channel, payloads]);
      },
      origin: this.#origin,
      schedule: (fn) => setImmediate(fn),
      logger,
    });
    this.#open = connections;
  }

  async stop(): Promise<void> {
    await this.#starting?.catch(() => undefined);
    const open = this.#open;
    this.#open = undefined;
    if (!open) return;
    // What committed is still announced to the other processes.
    await this.#announcer?.drain();
    await open.listener.stop();
    // Waits for the queries in flight to finish, then closes every connection.
    await open.pool.end();
  }

  async now(): Promise<number> {
    if (this.#options.clock) return this.#options.clock.now();
    const { rows } = await this.#opened().db.query<{ now: number }>(this.#s.CURRENT_TIME);
    return rows[0]?.now ?? Date.now();
  }

  subscribe(listener: (notification: BackendNotification) => void): () => void {
    return this.#fanOut.subscribe(listener);
  }

  #onPayload(payload: string): void {
    const decoded = decodeChanges(payload);
    if (!decoded) {
      this.#options.logger.warn({ payload }, 'Ignored a notification that is not a task hub payload.');
      return;
    }
    // This backend's own writes were announced when they committed.
    if (decoded.origin === this.#origin) return;
    this.#fanOut.emit(decoded.notifications);
  }

  #opened(): Connections {
    if (!this.#open) throw new Error('The PostgreSQL backend is not started.');
    return this.#open;
  }

  /** Announces committed changes: to this backend's subscribers now, to other processes soon. */
  #announce(changes: ChangeSet): void {
    this.#fanOut.emit(changes.toNotifications());
    this.#announcer?.announce(changes);
  }

  /** Runs `work` in one transaction; once it has committed, announces what it changed. */
  async #write<T>(work: (w: WriteScope) => Promise<T>): Promise<T> {
    const { value, changes } = await this.#opened().db.transaction(async (tx) => {
      const changes = new ChangeSet();
      const value = await work({ tx, s: this.#s, changes });
      return { value, changes };
    });
    this.#announce(changes);
    return value;
  }

  /** A write done in one statement; announces what it changed once it has committed. */
  async #writeOne<T extends ChangeSet | false | undefined>(
    work: (scope: SingleStatementScope) => Promise<T>,
  ): Promise<T> {
    const changes = await work({ db: this.#opened().db, s: this.#s });
    if (changes) this.#announce(changes);
    return changes;
  }

  async createInstance(startEvent: HistoryEvent, options?: CreateInstanceOptions): Promise<void> {
    // A new id (the common case) needs one statement; an existing one, the reuse policy.
    if (await this.#writeOne((scope) => createInstanceInOneStatement(scope, startEvent))) return;
    await this.#write((w) => createInstanceRows(w, startEvent, options));
  }

  async addEvent(instanceId: string, event: HistoryEvent, visibleAt?: number): Promise<void> {
    // In call order per instance (pooled connections would let concurrent calls race).
    await this.#addEventOrder.run(instanceId, async () => {
      const added = await this.#writeOne((scope) =>
        addEventInOneStatement(scope, instanceId, event, visibleAt),
      );
      if (!added) throw new InstanceNotFoundError(instanceId);
    });
  }

  async leaseOrchestrationWorkItems(options: LeaseOptions, max: number): Promise<OrchestrationWorkItem[]> {
    const db = this.#opened().db;
    const count = batchSize(max);
    const { rows } = await db.query<LeasedTurnRow>(this.#s.LEASE_NEXT_TURNS, [
      randomUUID(),
      durationParam(options.lockDurationMs),
      // A turn always takes at least one event.
      options.maxEvents === undefined ? null : Math.max(1, Math.floor(options.maxEvents)),
      count * LEASE_SCAN_FACTOR,
      count,
    ]);
    const { items, empty } = workItemsFromRows(rows);
    // Their events went away meanwhile (a concurrent purge): hand nothing out for them.
    for (const row of empty) {
      await db.query(this.#s.RELEASE_INSTANCE_LOCK, [row.instance_id, row.lock_token, 0]);
    }
    return items;
  }

  async getHistory(instanceId: string): Promise<HistoryEvent[]> {
    const { rows } = await this.#opened().db.query<{ event: Uint8Array }>(this.#s.SELECT_HISTORY, [
      instanceId,
    ]);
    return rows.map((row) => decodeEvent(row.event));
  }

  async renewOrchestrationLease(item: OrchestrationWorkItem, lockDurationMs: number): Promise<number> {
    const { rows } = await this.#opened().db.query<{ locked_until: number }>(this.#s.RENEW_TURN_LEASE, [
      item.instanceId,
      item.lockToken,
      durationParam(lockDurationMs),
      item.inboxIds,
    ]);
    const renewed = rows[0];
    if (!renewed) throw new LockLostError(`orchestration '${item.instanceId}'`);
    return renewed.locked_until;
  }

  async commitOrchestrationTurn(item: OrchestrationWorkItem, result: TurnResult): Promise<void> {
    if (await this.#writeOne((scope) => commitTurnInOneStatement(scope, item, result))) return;
    await this.#write((w) => commitTurn(w, item, result));
  }

  async abandonOrchestrationWorkItem(item: OrchestrationWorkItem, delayMs: number): Promise<void> {
    await this.#write(async ({ tx, s, changes }) => {
      const released = (
        await tx.query<{ visible_at: number }>(s.RELEASE_INSTANCE_LOCK, [
          item.instanceId,
          item.lockToken,
          durationParam(delayMs),
        ])
      ).rows[0];
      if (!released) throw new LockLostError(`orchestration '${item.instanceId}'`);
      await tx.query(s.SET_INBOX_VISIBLE_BY_IDS, [item.instanceId, item.inboxIds, released.visible_at]);
      changes.orchestrationWork = true;
    });
  }

  async leaseActivityWorkItems(options: LeaseOptions, max: number): Promise<ActivityWorkItem[]> {
    const { rows } = await this.#opened().db.query<TaskRow>(this.#s.LEASE_NEXT_TASKS, [
      randomUUID(),
      durationParam(options.lockDurationMs),
      batchSize(max),
    ]);
    return rows.map((row) => ({
      id: String(row.id),
      instanceId: row.instance_id,
      executionId: row.execution_id,
      taskId: row.task_id,
      event: decodeEvent(row.event),
      lockToken: row.lock_token,
      lockedUntil: row.locked_until,
      attempt: row.lease_count - 1,
    }));
  }

  async renewActivityLease(item: ActivityWorkItem, lockDurationMs: number): Promise<number> {
    const renewed = (
      await this.#opened().db.query<{ locked_until: number }>(this.#s.RENEW_TASK_LOCK, [
        item.id,
        item.lockToken,
        durationParam(lockDurationMs),
      ])
    ).rows[0];
    if (!renewed) throw new LockLostError(`activity task ${item.taskId} of '${item.instanceId}'`);
    return renewed.locked_until;
  }

  async completeActivityWorkItem(item: ActivityWorkItem, result: HistoryEvent): Promise<void> {
    // A result for an execution replaced since (restart, continue-as-new) would be misread by
    // the current one: only the execution that scheduled the task receives it.
    await this.#writeOne((scope) => completeTaskInOneStatement(scope, item, result));
  }

  async abandonActivityWorkItem(item: ActivityWorkItem, delayMs: number): Promise<void> {
    await this.#write(async ({ tx, s, changes }) => {
      const released = await tx.query(s.RELEASE_TASK_LOCK, [item.id, item.lockToken, durationParam(delayMs)]);
      if (released.rowCount === 0)
        throw new LockLostError(`activity task ${item.taskId} of '${item.instanceId}'`);
      changes.activityWork = true;
    });
  }

  async nextDueTime(): Promise<number | undefined> {
    const { rows } = await this.#opened().db.query<{ due: number | null }>(this.#s.NEXT_DUE_TIME);
    return rows[0]?.due ?? undefined;
  }

  async getInstance(instanceId: string, includePayloads: boolean): Promise<InstanceState | undefined> {
    const { rows } = await this.#opened().db.query<InstanceRow>(this.#s.SELECT_INSTANCE, [instanceId]);
    const row = rows[0];
    return row ? instanceStateFromRow(row, includePayloads) : undefined;
  }

  async queryInstances(query: InstanceQuery): Promise<InstancePage<InstanceState>> {
    return this.#queries.query(this.#opened().db, query);
  }

  async listInstanceIds(query: InstanceQuery): Promise<InstancePage<string>> {
    return this.#queries.listIds(this.#opened().db, query);
  }

  async purgeInstance(instanceId: string, recursive: boolean): Promise<number> {
    return this.#write(async (w) => {
      const head = (await w.tx.query<InstanceHeadRow>(w.s.LOCK_INSTANCE_HEAD, [instanceId])).rows[0];
      if (!head) throw new InstanceNotFoundError(instanceId);
      if (!isTerminalStatus(head.status)) throw new NotCompletedError(instanceId);
      return purgeTree(w, instanceId, recursive, new Set());
    });
  }

  async purgeInstances(filter: PurgeFilter): Promise<number> {
    return this.#write(async ({ tx, changes }) => {
      const ids = await this.#queries.purgeMatching(tx, filter);
      for (const id of ids) changes.instanceUpdated(id);
      return ids.length;
    });
  }
}
