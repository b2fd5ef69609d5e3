import type { OrchestrationStatus } from '../api/status.js';
import type { HistoryEvent, TaskFailureDetails } from '../proto/orchestrator_service_pb.js';

/**
 * What one orchestration turn produces, as data: the applier builds it, a backend commits it in
 * one transaction. Nothing here does I/O.
 */

/** The instance columns a backend stores, derived from the history after the turn. */
export interface InstanceSummary {
  readonly name: string;
  readonly version?: string;
  readonly executionId: string;
  readonly status: OrchestrationStatus;
  readonly input?: string;
  readonly output?: string;
  readonly customStatus?: string;
  readonly failureDetails?: TaskFailureDetails;
  /** Epoch ms of the first OrchestratorStarted of this execution. */
  readonly startedAt?: number;
  /** Epoch ms of the ExecutionCompleted event. */
  readonly completedAt?: number;
  readonly parentInstanceId?: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** An activity to run: the TaskScheduled event (its eventId is the task id). */
export interface ActivityTask {
  readonly instanceId: string;
  readonly executionId: string;
  readonly taskId: number;
  readonly event: HistoryEvent;
}

/** A durable timer; its whole life (scheduled, stored, woken, fired) is told in durable-timers.ts. */
import type { TimerTask } from './durable-timers.js';
export type { TimerTask };

/**
 * A message to another instance. By the case of `event.eventType`:
 * - `executionStarted`: create the target instance (a sub-orchestration). When the target id
 *   already exists, the backend answers the parent with SubOrchestrationInstanceFailed instead.
 * - anything else (`eventRaised`, `executionTerminated`, `subOrchestrationInstanceCompleted`,
 *   `subOrchestrationInstanceFailed`): add to the target's inbox. A message to an instance that
 *   does not exist is dropped (the Go engine does the same); it never creates a row.
 */
export interface InstanceMessage {
  readonly targetInstanceId: string;
  readonly event: HistoryEvent;
  /** Epoch ms before which the event is invisible; absent means at once. */
  readonly visibleAt?: number;
}

export interface TurnResult {
  readonly instanceId: string;
  readonly summary: InstanceSummary;
  /**
   * Events appended to the stored history, in order. When `historyReplaced` is true they are the
   * whole new history (continue-as-new starts a new generation; rewind rewrites it).
   */
  readonly historyEvents: readonly HistoryEvent[];
  readonly historyReplaced: boolean;
  readonly activities: readonly ActivityTask[];
  readonly timers: readonly TimerTask[];
  readonly messages: readonly InstanceMessage[];
  /** Events put back into this instance's own inbox (continue-as-new carry-over). */
  readonly requeue: readonly HistoryEvent[];
}
