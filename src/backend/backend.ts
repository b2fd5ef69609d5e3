import type { InstancePage, InstanceQuery, InstanceState, PurgeFilter } from '../api/instance.js';
import type { OrchestrationStatus } from '../api/status.js';
import type { HistoryEvent } from '../proto/orchestrator_service_pb.js';
import type { TurnResult } from '../runtime/turn.js';

/**
 * The storage contract. Every backend (SQLite, PostgreSQL) passes the same conformance suite
 * (`src/backend/testing/conformance.ts`). Times are epoch milliseconds taken from the backend's
 * clock (PostgreSQL: the database clock). All methods are async so remote stores fit.
 */

/** One orchestration turn's worth of work: an instance and the inbox events visible now. */
export interface OrchestrationWorkItem {
  readonly instanceId: string;
  /** Inbox events in arrival order (at most `maxEvents`). Deleted by the commit that consumes them. */
  readonly newEvents: readonly HistoryEvent[];
  /** Backend-private ids of the consumed inbox rows. */
  readonly inboxIds: readonly string[];
  readonly lockToken: string;
  readonly lockedUntil: number;
  /** How many times this turn was leased before and abandoned or lost (0 on the first try). */
  readonly attempt: number;
  /**
   * Optional, opaque: identifies the stored history this turn starts from. Two work items of one
   * instance with the same value start from the same history (a backend never reuses a value for
   * another history of that instance id). Absent: unknown, the history must be read.
   */
  readonly historyVersion?: string;
  /**
   * Optional: the instance's `historyVersion` once this item's turn is committed. With both, a
   * worker may keep the history in memory after its commit and skip reading it next turn.
   */
  readonly nextHistoryVersion?: string;
}

export interface ActivityWorkItem {
  readonly instanceId: string;
  readonly executionId: string;
  readonly taskId: number;
  /** The TaskScheduled event: name, version, input, tags. */
  readonly event: HistoryEvent;
  /** Backend-private id of the queued task row. */
  readonly id: string;
  readonly lockToken: string;
  readonly lockedUntil: number;
  readonly attempt: number;
}

export interface LeaseOptions {
  /** How long the lease lasts before another worker may take the work. */
  readonly lockDurationMs: number;
  /** Orchestrations only: the most inbox events one turn takes. */
  readonly maxEvents?: number;
}

export interface CreateInstanceOptions {
  /**
   * Statuses in which an existing instance with the same id is replaced (its history, inbox and
   * tasks deleted); an instance in any other status is a DuplicateInstanceError. Absent: the
   * terminal statuses (COMPLETED, FAILED, TERMINATED, CANCELED), the Durable Task Scheduler's
   * default. Empty: none, the id must be unused.
   */
  readonly replaceableStatuses?: readonly OrchestrationStatus[];
}

/** What a backend tells listeners; wakes workers and client waits without polling. */
export type BackendNotification =
  | { readonly kind: 'orchestration-work' }
  | { readonly kind: 'activity-work' }
  | {
      readonly kind: 'instance-updated';
      readonly instanceId: string;
      /**
       * Optional: the instance's status after the update, when the backend knows it (absent for
       * a deleted instance). Lets a wait skip reading states that cannot be what it waits for.
       */
      readonly status?: OrchestrationStatus;
    };

export interface Backend {
  /** Opens connections and applies the schema. Idempotent. */
  start(): Promise<void>;
  /** Closes every resource. Idempotent. */
  stop(): Promise<void>;

  /** Current time by the backend's clock (epoch ms). */
  now(): Promise<number>;

  /**
   * Creates an instance from an ExecutionStarted event (its orchestrationInstance carries the
   * instance and execution ids; scheduledStartTimestamp delays the first turn).
   * Throws DuplicateInstanceError unless the existing instance's status is replaceable (by
   * default: unless it is terminal).
   */
  createInstance(startEvent: HistoryEvent, options?: CreateInstanceOptions): Promise<void>;

  /**
   * Adds an event to an instance's inbox (raise, suspend, resume, terminate, rewind).
   * Throws InstanceNotFoundError for an unknown instance; never creates a row for it.
   */
  addEvent(instanceId: string, event: HistoryEvent, visibleAt?: number): Promise<void>;

  /**
   * Leases up to `max` instances with visible inbox events and no live lease, oldest work first,
   * in one round trip; empty when none is visible. A worker asks for as many as it has free slots.
   */
  leaseOrchestrationWorkItems(options: LeaseOptions, max: number): Promise<OrchestrationWorkItem[]>;
  /** The stored history of an instance (empty for a new one). */
  getHistory(instanceId: string): Promise<HistoryEvent[]>;
  /** Extends a live lease; throws LockLostError when it was lost. Returns the new expiry. */
  renewOrchestrationLease(item: OrchestrationWorkItem, lockDurationMs: number): Promise<number>;
  /**
   * Commits a turn in one transaction: history, instance columns, consumed inbox rows deleted,
   * activities queued, timers and messages delivered. Throws LockLostError (and changes
   * nothing) when the lease token no longer holds.
   */
  commitOrchestrationTurn(item: OrchestrationWorkItem, result: TurnResult): Promise<void>;
  /** Releases the lease; the events become visible again after `delayMs`. */
  abandonOrchestrationWorkItem(item: OrchestrationWorkItem, delayMs: number): Promise<void>;

  /** Leases up to `max` visible activity tasks at once (see leaseOrchestrationWorkItems). */
  leaseActivityWorkItems(options: LeaseOptions, max: number): Promise<ActivityWorkItem[]>;
  renewActivityLease(item: ActivityWorkItem, lockDurationMs: number): Promise<number>;
  /**
   * Deletes the task and adds its result (TaskCompleted or TaskFailed) to the instance's inbox in
   * one transaction. Throws LockLostError when the lease was lost. The result is dropped when the
   * instance is gone or runs another execution now (continue-as-new, replaced): task ids repeat
   * across executions, so a stale result must never reach the new one.
   */
  completeActivityWorkItem(item: ActivityWorkItem, result: HistoryEvent): Promise<void>;
  abandonActivityWorkItem(item: ActivityWorkItem, delayMs: number): Promise<void>;

  /** Epoch ms of the earliest inbox event or task that is not yet visible, if any. */
  nextDueTime(): Promise<number | undefined>;

  getInstance(instanceId: string, includePayloads: boolean): Promise<InstanceState | undefined>;
  queryInstances(query: InstanceQuery): Promise<InstancePage<InstanceState>>;
  listInstanceIds(query: InstanceQuery): Promise<InstancePage<string>>;
  /**
   * Deletes a terminal instance with its history, inbox and tasks; with `recursive`, its
   * sub-orchestrations too. Returns how many instances were deleted. Throws
   * InstanceNotFoundError when absent, NotCompletedError while it is not terminal.
   */
  purgeInstance(instanceId: string, recursive: boolean): Promise<number>;
  /** Deletes every terminal instance matching the filter; returns the count. */
  purgeInstances(filter: PurgeFilter): Promise<number>;

  /** Subscribes to notifications; returns the unsubscribe function. */
  subscribe(listener: (notification: BackendNotification) => void): () => void;
}
