import { LockLostError, NotSupportedError } from '../../api/errors.js';
import type {
  ActivityWorkItem,
  Backend,
  BackendNotification,
  LeaseOptions,
  OrchestrationWorkItem,
} from '../../backend/backend.js';
import type { HistoryEvent } from '../../proto/orchestrator_service_pb.js';
import { executionStartedEvent } from '../../runtime/history-events.js';
import type { TurnResult } from '../../runtime/turn.js';

/**
 * A small in-memory Backend for worker tests: per-instance inboxes and histories, activity tasks,
 * leases with tokens, abandon with visibility delays, and notifications. Only what the worker
 * uses is implemented; timers and messages of a turn are not delivered.
 */

interface InboxRow {
  readonly id: string;
  readonly event: HistoryEvent;
  visibleAt: number;
}

interface Lease {
  readonly token: string;
  until: number;
}

interface InstanceRow {
  history: HistoryEvent[];
  inbox: InboxRow[];
  lease?: Lease;
  attempt: number;
}

interface TaskRow {
  readonly id: string;
  readonly instanceId: string;
  readonly executionId: string;
  readonly taskId: number;
  readonly event: HistoryEvent;
  visibleAt: number;
  lease?: Lease;
  attempt: number;
}

export class FakeWorkBackend implements Backend {
  readonly #now: () => number;
  readonly #instances = new Map<string, InstanceRow>();
  readonly #tasks: TaskRow[] = [];
  readonly #listeners = new Set<(notification: BackendNotification) => void>();
  #sequence = 0;
  /** Every abandon call, in order. */
  readonly abandoned: { kind: 'orchestration' | 'activity'; instanceId: string; delayMs: number }[] = [];

  constructor(now: () => number) {
    this.#now = now;
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** Leases currently held (orchestrations and activities). */
  get heldLeases(): number {
    const now = this.#now();
    const live = (lease: Lease | undefined): boolean => lease !== undefined && lease.until > now;
    return (
      [...this.#instances.values()].filter((i) => live(i.lease)).length +
      this.#tasks.filter((t) => live(t.lease)).length
    );
  }

  get pendingTasks(): readonly { instanceId: string; attempt: number; leased: boolean }[] {
    return this.#tasks.map((t) => ({
      instanceId: t.instanceId,
      attempt: t.attempt,
      leased: t.lease !== undefined,
    }));
  }

  historyOf(instanceId: string): readonly HistoryEvent[] {
    return this.#instances.get(instanceId)?.history ?? [];
  }

  inboxOf(instanceId: string): readonly HistoryEvent[] {
    return this.#instances.get(instanceId)?.inbox.map((row) => row.event) ?? [];
  }

  /** Creates an instance with its ExecutionStarted in the inbox. */
  startInstance(instanceId: string, name: string, input?: string): void {
    const event = executionStartedEvent(
      { instanceId, executionId: `${instanceId}-exec`, name, ...(input !== undefined && { input }) },
      this.#now(),
    );
    this.#instances.set(instanceId, { history: [], inbox: [], attempt: 0 });
    this.#addToInbox(instanceId, event, this.#now());
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async now(): Promise<number> {
    return this.#now();
  }

  async leaseOrchestrationWorkItems(options: LeaseOptions, max: number): Promise<OrchestrationWorkItem[]> {
    return upTo(max, () => this.#leaseOrchestration(options));
  }

  #leaseOrchestration(options: LeaseOptions): OrchestrationWorkItem | undefined {
    const now = this.#now();
    for (const [instanceId, row] of this.#instances) {
      if (row.lease && row.lease.until > now) continue;
      const visible = row.inbox.filter((r) => r.visibleAt <= now).slice(0, options.maxEvents ?? Infinity);
      if (visible.length === 0) continue;
      row.lease = { token: this.#nextId('lease'), until: now + options.lockDurationMs };
      return {
        instanceId,
        newEvents: visible.map((r) => r.event),
        inboxIds: visible.map((r) => r.id),
        lockToken: row.lease.token,
        lockedUntil: row.lease.until,
        attempt: row.attempt,
      };
    }
    return undefined;
  }

  async getHistory(instanceId: string): Promise<HistoryEvent[]> {
    return [...this.historyOf(instanceId)];
  }

  async renewOrchestrationLease(item: OrchestrationWorkItem, lockDurationMs: number): Promise<number> {
    const lease = this.#heldOrchestrationLease(item);
    lease.until = this.#now() + lockDurationMs;
    return lease.until;
  }

  async commitOrchestrationTurn(item: OrchestrationWorkItem, result: TurnResult): Promise<void> {
    this.#heldOrchestrationLease(item);
    const row = this.#instances.get(item.instanceId)!;
    row.history = result.historyReplaced
      ? [...result.historyEvents]
      : [...row.history, ...result.historyEvents];
    row.inbox = row.inbox.filter((r) => !item.inboxIds.includes(r.id));
    delete row.lease;
    row.attempt = 0;
    for (const task of result.activities) {
      this.#tasks.push({ ...task, id: this.#nextId('task'), visibleAt: this.#now(), attempt: 0 });
    }
    for (const event of result.requeue) this.#addToInbox(item.instanceId, event, this.#now());
    if (result.activities.length > 0) this.#notify({ kind: 'activity-work' });
    this.#notify({ kind: 'instance-updated', instanceId: item.instanceId });
  }

  async abandonOrchestrationWorkItem(item: OrchestrationWorkItem, delayMs: number): Promise<void> {
    this.#heldOrchestrationLease(item);
    const row = this.#instances.get(item.instanceId)!;
    delete row.lease;
    row.attempt++;
    for (const inboxRow of row.inbox) {
      if (item.inboxIds.includes(inboxRow.id)) inboxRow.visibleAt = this.#now() + delayMs;
    }
    this.abandoned.push({ kind: 'orchestration', instanceId: item.instanceId, delayMs });
    this.#notify({ kind: 'orchestration-work' });
  }

  async leaseActivityWorkItems(options: LeaseOptions, max: number): Promise<ActivityWorkItem[]> {
    return upTo(max, () => this.#leaseActivity(options));
  }

  #leaseActivity(options: LeaseOptions): ActivityWorkItem | undefined {
    const now = this.#now();
    const task = this.#tasks.find((t) => t.visibleAt <= now && !(t.lease && t.lease.until > now));
    if (!task) return undefined;
    task.lease = { token: this.#nextId('lease'), until: now + options.lockDurationMs };
    const { id, instanceId, executionId, taskId, event, attempt } = task;
    return {
      id,
      instanceId,
      executionId,
      taskId,
      event,
      attempt,
      lockToken: task.lease.token,
      lockedUntil: task.lease.until,
    };
  }

  async renewActivityLease(item: ActivityWorkItem, lockDurationMs: number): Promise<number> {
    const task = this.#heldTask(item);
    task.lease!.until = this.#now() + lockDurationMs;
    return task.lease!.until;
  }

  async completeActivityWorkItem(item: ActivityWorkItem, result: HistoryEvent): Promise<void> {
    const task = this.#heldTask(item);
    this.#tasks.splice(this.#tasks.indexOf(task), 1);
    this.#addToInbox(item.instanceId, result, this.#now());
  }

  async abandonActivityWorkItem(item: ActivityWorkItem, delayMs: number): Promise<void> {
    const task = this.#heldTask(item);
    delete task.lease;
    task.attempt++;
    task.visibleAt = this.#now() + delayMs;
    this.abandoned.push({ kind: 'activity', instanceId: item.instanceId, delayMs });
    this.#notify({ kind: 'activity-work' });
  }

  async nextDueTime(): Promise<number | undefined> {
    const now = this.#now();
    const times = [
      ...[...this.#instances.values()].flatMap((i) => i.inbox.map((r) => r.visibleAt)),
      ...this.#tasks.map((t) => t.visibleAt),
    ].filter((t) => t > now);
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  async getInstance(): Promise<undefined> {
    return undefined;
  }

  subscribe(listener: (notification: BackendNotification) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  createInstance(): Promise<void> {
    return this.#unsupported('createInstance');
  }
  addEvent(): Promise<void> {
    return this.#unsupported('addEvent');
  }
  queryInstances(): Promise<never> {
    return this.#unsupported('queryInstances');
  }
  listInstanceIds(): Promise<never> {
    return this.#unsupported('listInstanceIds');
  }
  purgeInstance(): Promise<number> {
    return this.#unsupported('purgeInstance');
  }
  purgeInstances(): Promise<number> {
    return this.#unsupported('purgeInstances');
  }

  #addToInbox(instanceId: string, event: HistoryEvent, visibleAt: number): void {
    this.#instances.get(instanceId)?.inbox.push({ id: this.#nextId('inbox'), event, visibleAt });
    this.#notify({ kind: 'orchestration-work' });
  }

  #heldOrchestrationLease(item: OrchestrationWorkItem): Lease {
    const lease = this.#instances.get(item.instanceId)?.lease;
    if (!lease || lease.token !== item.lockToken || lease.until <= this.#now())
      throw new LockLostError(item.instanceId);
    return lease;
  }

  #heldTask(item: ActivityWorkItem): TaskRow {
    const task = this.#tasks.find((t) => t.id === item.id);
    if (!task?.lease || task.lease.token !== item.lockToken || task.lease.until <= this.#now()) {
      throw new LockLostError(`task ${item.taskId} of ${item.instanceId}`);
    }
    return task;
  }

  #notify(notification: BackendNotification): void {
    for (const listener of [...this.#listeners]) listener(notification);
  }

  #nextId(prefix: string): string {
    return `${prefix}-${++this.#sequence}`;
  }

  async #unsupported(method: string): Promise<never> {
    throw new NotSupportedError(`FakeWorkBackend does not implement ${method}.`);
  }
}

/** Calls `next` until it returns undefined or `max` items were taken. */
function upTo<T>(max: number, next: () => T | undefined): T[] {
  const items: T[] = [];
  for (let item; items.length < max && (item = next()) !== undefined;) items.push(item);
  return items;
}
