import {
  DuplicateInstanceError,
  InstanceNotFoundError,
  InvalidArgumentError,
  LockLostError,
  NotCompletedError,
  NotSupportedError,
} from '../../api/errors.js';
import type { InstancePage, InstanceQuery, InstanceState, PurgeFilter } from '../../api/instance.js';
import { isTerminalStatus, OrchestrationStatus, statusName } from '../../api/status.js';
import type {
  ActivityWorkItem,
  Backend,
  BackendNotification,
  CreateInstanceOptions,
  LeaseOptions,
  OrchestrationWorkItem,
} from '../../backend/backend.js';
import type { HistoryEvent } from '../../proto/orchestrator_service_pb.js';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { eventOf } from '../../runtime/history-events.js';
import type { TurnResult } from '../../runtime/turn.js';

/**
 * An in-memory Backend for client tests. It keeps instances, histories and inboxes in maps and
 * leases orchestration work (so tests can drive turns through the Backend interface itself),
 * with the typed errors and notifications of the contract. Activities are not supported: a
 * turn that schedules one is refused with NotSupportedError before anything changes.
 */

interface InboxEntry {
  readonly id: string;
  readonly event: HistoryEvent;
  visibleAt: number;
}

interface InstanceRow {
  state: InstanceState;
  history: HistoryEvent[];
  inbox: InboxEntry[];
  lock?: { readonly token: string; readonly until: number };
  attempt: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const DEFAULT_PAGE_SIZE = 100;

export interface FakeBackendOptions {
  /** The backend's clock (epoch ms); default Date.now. */
  readonly now?: () => number;
}

export class FakeBackend implements Backend {
  readonly #rows = new Map<string, InstanceRow>();
  readonly #listeners = new Set<(notification: BackendNotification) => void>();
  readonly #clock: () => number;
  #sequence = 0;

  constructor(options: FakeBackendOptions = {}) {
    this.#clock = options.now ?? Date.now;
  }

  /** How many listeners are subscribed (tests check that waits leave none behind). */
  get listenerCount(): number {
    return this.#listeners.size;
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async now(): Promise<number> {
    return this.#clock();
  }

  async createInstance(startEvent: HistoryEvent, options: CreateInstanceOptions = {}): Promise<void> {
    const started = eventOf(startEvent, 'executionStarted');
    const instanceId = started?.orchestrationInstance?.instanceId;
    if (started === undefined || !instanceId) {
      throw new InvalidArgumentError('createInstance needs an ExecutionStarted event with an instance id.');
    }
    const existing = this.#rows.get(instanceId);
    if (existing && !(options.replaceableStatuses ?? []).includes(existing.state.status)) {
      throw new DuplicateInstanceError(instanceId, statusName(existing.state.status));
    }
    const now = this.#clock();
    const scheduledStartAt = started.scheduledStartTimestamp
      ? timestampMs(started.scheduledStartTimestamp)
      : undefined;
    const parentInstanceId = started.parentInstance?.orchestrationInstance?.instanceId;
    const state: InstanceState = {
      instanceId,
      name: started.name,
      ...(started.version !== undefined && { version: started.version }),
      executionId: started.orchestrationInstance?.executionId ?? '',
      status: OrchestrationStatus.PENDING,
      createdAt: now,
      lastUpdatedAt: now,
      ...(scheduledStartAt !== undefined && scheduledStartAt > 0 && { scheduledStartAt }),
      ...(started.input !== undefined && { input: started.input }),
      ...(parentInstanceId !== undefined && { parentInstanceId }),
      tags: { ...started.tags },
    };
    const visibleAt = Math.max(now, scheduledStartAt ?? 0);
    this.#rows.set(instanceId, {
      state,
      history: [],
      inbox: [this.#entry(startEvent, visibleAt)],
      attempt: 0,
    });
    this.#notify({ kind: 'orchestration-work' });
    this.#notify({ kind: 'instance-updated', instanceId });
  }

  async addEvent(instanceId: string, event: HistoryEvent, visibleAt?: number): Promise<void> {
    const row = this.#rows.get(instanceId);
    if (row === undefined) throw new InstanceNotFoundError(instanceId);
    row.inbox.push(this.#entry(event, visibleAt ?? this.#clock()));
    this.#notify({ kind: 'orchestration-work' });
  }

  async leaseOrchestrationWorkItem(options: LeaseOptions): Promise<OrchestrationWorkItem | undefined> {
    const now = this.#clock();
    for (const [instanceId, row] of this.#rows) {
      if (row.lock !== undefined && row.lock.until > now) continue;
      const visible = row.inbox.filter((entry) => entry.visibleAt <= now).slice(0, options.maxEvents);
      if (visible.length === 0) continue;
      row.lock = { token: `lock-${++this.#sequence}`, until: now + options.lockDurationMs };
      return {
        instanceId,
        newEvents: visible.map((entry) => entry.event),
        inboxIds: visible.map((entry) => entry.id),
        lockToken: row.lock.token,
        lockedUntil: row.lock.until,
        attempt: row.attempt,
      };
    }
    return undefined;
  }

  async getHistory(instanceId: string): Promise<HistoryEvent[]> {
    return [...(this.#rows.get(instanceId)?.history ?? [])];
  }

  async renewOrchestrationLease(item: OrchestrationWorkItem, lockDurationMs: number): Promise<number> {
    const row = this.#lockedRow(item);
    row.lock = { token: item.lockToken, until: this.#clock() + lockDurationMs };
    return row.lock.until;
  }

  async commitOrchestrationTurn(item: OrchestrationWorkItem, result: TurnResult): Promise<void> {
    const row = this.#lockedRow(item);
    if (result.activities.length > 0) throw new NotSupportedError('The fake backend runs no activities.');
    const now = this.#clock();
    row.history = result.historyReplaced
      ? [...result.historyEvents]
      : [...row.history, ...result.historyEvents];
    const { summary } = result;
    const state: Mutable<InstanceState> = {
      instanceId: item.instanceId,
      createdAt: row.state.createdAt,
      lastUpdatedAt: now,
      ...summary,
      tags: { ...summary.tags },
    };
    if (row.state.scheduledStartAt !== undefined) state.scheduledStartAt = row.state.scheduledStartAt;
    row.state = state;
    const consumed = new Set(item.inboxIds);
    row.inbox = row.inbox.filter((entry) => !consumed.has(entry.id));
    for (const event of result.requeue) row.inbox.push(this.#entry(event, now));
    for (const timer of result.timers)
      this.#rows.get(timer.instanceId)?.inbox.push(this.#entry(timer.event, timer.fireAt));
    delete row.lock;
    row.attempt = 0;
    for (const message of result.messages) {
      if (message.event.eventType.case === 'executionStarted') {
        if (!this.#rows.has(message.targetInstanceId)) await this.createInstance(message.event);
      } else {
        this.#rows
          .get(message.targetInstanceId)
          ?.inbox.push(this.#entry(message.event, message.visibleAt ?? now));
      }
    }
    this.#notify({ kind: 'orchestration-work' });
    this.#notify({ kind: 'instance-updated', instanceId: item.instanceId });
  }

  async abandonOrchestrationWorkItem(item: OrchestrationWorkItem, delayMs: number): Promise<void> {
    const row = this.#lockedRow(item);
    const visibleAt = this.#clock() + delayMs;
    const abandoned = new Set(item.inboxIds);
    for (const entry of row.inbox) if (abandoned.has(entry.id)) entry.visibleAt = visibleAt;
    delete row.lock;
    row.attempt += 1;
  }

  async leaseActivityWorkItem(_options: LeaseOptions): Promise<ActivityWorkItem | undefined> {
    return undefined;
  }
  async renewActivityLease(_item: ActivityWorkItem, _lockDurationMs: number): Promise<number> {
    throw new NotSupportedError('The fake backend runs no activities.');
  }
  async completeActivityWorkItem(_item: ActivityWorkItem, _result: HistoryEvent): Promise<void> {
    throw new NotSupportedError('The fake backend runs no activities.');
  }
  async abandonActivityWorkItem(_item: ActivityWorkItem, _delayMs: number): Promise<void> {
    throw new NotSupportedError('The fake backend runs no activities.');
  }

  async nextDueTime(): Promise<number | undefined> {
    const now = this.#clock();
    let earliest: number | undefined;
    for (const row of this.#rows.values()) {
      for (const entry of row.inbox) {
        if (entry.visibleAt > now && (earliest === undefined || entry.visibleAt < earliest))
          earliest = entry.visibleAt;
      }
    }
    return earliest;
  }

  async getInstance(instanceId: string, includePayloads: boolean): Promise<InstanceState | undefined> {
    const state = this.#rows.get(instanceId)?.state;
    return state && project(state, includePayloads);
  }

  async queryInstances(query: InstanceQuery): Promise<InstancePage<InstanceState>> {
    const page = this.#page(query);
    return { ...page, items: page.items.map((state) => project(state, query.includePayloads ?? false)) };
  }

  async listInstanceIds(query: InstanceQuery): Promise<InstancePage<string>> {
    const page = this.#page(query);
    return { ...page, items: page.items.map((state) => state.instanceId) };
  }

  async purgeInstance(instanceId: string, recursive: boolean): Promise<number> {
    const row = this.#rows.get(instanceId);
    if (row === undefined) throw new InstanceNotFoundError(instanceId);
    if (!isTerminalStatus(row.state.status)) throw new NotCompletedError(instanceId);
    let count = 0;
    if (recursive) {
      for (const child of [...this.#rows.values()]) {
        if (child.state.parentInstanceId === instanceId && isTerminalStatus(child.state.status)) {
          count += await this.purgeInstance(child.state.instanceId, true);
        }
      }
    }
    this.#rows.delete(instanceId);
    this.#notify({ kind: 'instance-updated', instanceId });
    return count + 1;
  }

  async purgeInstances(filter: PurgeFilter): Promise<number> {
    let count = 0;
    for (const { state } of [...this.#rows.values()]) {
      if (!isTerminalStatus(state.status) || !matches(state, filter)) continue;
      this.#rows.delete(state.instanceId);
      this.#notify({ kind: 'instance-updated', instanceId: state.instanceId });
      count += 1;
    }
    return count;
  }

  subscribe(listener: (notification: BackendNotification) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  #entry(event: HistoryEvent, visibleAt: number): InboxEntry {
    return { id: `inbox-${++this.#sequence}`, event, visibleAt };
  }

  #lockedRow(item: OrchestrationWorkItem): InstanceRow {
    const row = this.#rows.get(item.instanceId);
    if (row?.lock?.token !== item.lockToken || row.lock.until <= this.#clock()) {
      throw new LockLostError(`orchestration '${item.instanceId}'`);
    }
    return row;
  }

  #page(query: InstanceQuery): { items: InstanceState[]; continuationToken?: string } {
    const sorted = [...this.#rows.values()]
      .map((row) => row.state)
      .filter((state) => matches(state, query))
      .sort((a, b) => a.createdAt - b.createdAt || compare(a.instanceId, b.instanceId));
    const after = query.continuationToken === undefined ? undefined : decodeToken(query.continuationToken);
    const rest =
      after === undefined
        ? sorted
        : sorted.filter(
            (s) =>
              s.createdAt > after.createdAt ||
              (s.createdAt === after.createdAt && s.instanceId > after.instanceId),
          );
    const items = rest.slice(0, query.pageSize ?? DEFAULT_PAGE_SIZE);
    const last = items.at(-1);
    return rest.length > items.length && last !== undefined
      ? { items, continuationToken: encodeToken(last) }
      : { items };
  }

  #notify(notification: BackendNotification): void {
    for (const listener of [...this.#listeners]) listener(notification);
  }
}

function project(state: InstanceState, includePayloads: boolean): InstanceState {
  if (includePayloads) return { ...state, tags: { ...state.tags } };
  const { input: _input, output: _output, customStatus: _customStatus, ...rest } = state;
  return { ...rest, tags: { ...state.tags } };
}

function matches(state: InstanceState, filter: InstanceQuery | PurgeFilter): boolean {
  const query: InstanceQuery = filter;
  return (
    (query.statuses === undefined || query.statuses.length === 0 || query.statuses.includes(state.status)) &&
    (query.createdFrom === undefined || state.createdAt >= query.createdFrom) &&
    (query.createdTo === undefined || state.createdAt < query.createdTo) &&
    (query.instanceIdPrefix === undefined || state.instanceId.startsWith(query.instanceIdPrefix)) &&
    (query.namePrefix === undefined || state.name.startsWith(query.namePrefix))
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function encodeToken(state: InstanceState): string {
  return Buffer.from(JSON.stringify([state.createdAt, state.instanceId])).toString('base64url');
}

function decodeToken(token: string): { createdAt: number; instanceId: string } {
  try {
    const [createdAt, instanceId] = JSON.parse(Buffer.from(token, 'base64url').toString()) as [
      unknown,
      unknown,
    ];
    if (typeof createdAt === 'number' && typeof instanceId === 'string') return { createdAt, instanceId };
  } catch {
    // fall through to the error below
  }
  throw new InvalidArgumentError(`Invalid continuation token '${token}'.`);
}
