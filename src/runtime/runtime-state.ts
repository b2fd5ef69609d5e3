import { OrchestrationStatus } from '../api/status.js';
import type {
  ExecutionCompletedEvent,
  ExecutionStartedEvent,
  HistoryEvent,
  ParentInstanceInfo,
  TaskFailureDetails,
} from '../proto/orchestrator_service_pb.js';
import { eventTime } from './history-events.js';
import type { InstanceSummary } from './turn.js';

/**
 * The state of one orchestration instance, derived from its history (one generation: a
 * continue-as-new starts a new history). Pure: it reads events, never does I/O.
 *
 * Invariants it lets callers enforce through `rejectionOf`: one ExecutionStarted, one
 * ExecutionCompleted, one scheduling event per task id, one resolution per scheduled task.
 * `append` itself trusts its input (a stored history is replayed as it is).
 */

/** What schedules a task id: an activity, a durable timer or a sub-orchestration. */
export type TaskKind = 'activity' | 'timer' | 'subOrchestration';

/** Why an event cannot be added to the history. */
export type RejectionReason =
  | 'duplicate-start'
  | 'duplicate-completion'
  | 'duplicate-task-id'
  | 'duplicate-resolution'
  | 'unknown-task'
  | 'not-started';

interface ScheduledTask {
  readonly kind: TaskKind;
  readonly event: HistoryEvent;
}

type EventCase = NonNullable<HistoryEvent['eventType']['case']>;

/** The task kind each scheduling event creates; its event id is the task id. */
const SCHEDULING_KINDS: Partial<Record<EventCase, TaskKind>> = {
  taskScheduled: 'activity',
  timerCreated: 'timer',
  subOrchestrationInstanceCreated: 'subOrchestration',
};

/** The task kind and id an event schedules, if it schedules one. The id is the event id. */
export function scheduledTaskOf(event: HistoryEvent): { kind: TaskKind; id: number } | undefined {
  const kind = event.eventType.case && SCHEDULING_KINDS[event.eventType.case];
  return kind ? { kind, id: event.eventId } : undefined;
}

/** The task kind and id an event resolves (a result, a failure, a fired timer), if any. */
export function resolvedTaskOf(event: HistoryEvent): { kind: TaskKind; id: number } | undefined {
  const type = event.eventType;
  if (type.case === 'taskCompleted' || type.case === 'taskFailed') {
    return { kind: 'activity', id: type.value.taskScheduledId };
  }
  if (type.case === 'timerFired') return { kind: 'timer', id: type.value.timerId };
  if (type.case === 'subOrchestrationInstanceCompleted' || type.case === 'subOrchestrationInstanceFailed') {
    return { kind: 'subOrchestration', id: type.value.taskScheduledId };
  }
  return undefined;
}

export class OrchestrationRuntimeState {
  readonly #events: HistoryEvent[] = [];
  #start: { readonly event: HistoryEvent; readonly value: ExecutionStartedEvent } | undefined;
  #completion: { readonly event: HistoryEvent; readonly value: ExecutionCompletedEvent } | undefined;
  #suspended = false;
  #startedAt: number | undefined;
  readonly #scheduled = new Map<number, ScheduledTask>();
  readonly #resolved = new Map<number, HistoryEvent>();

  /** Replays a stored history as it is (no event is rejected). */
  static fromHistory(events: readonly HistoryEvent[]): OrchestrationRuntimeState {
    const state = new OrchestrationRuntimeState();
    for (const event of events) state.append(event);
    return state;
  }

  /** Why `event` must not be added now, or undefined when it may be. */
  rejectionOf(event: HistoryEvent): RejectionReason | undefined {
    const type = event.eventType.case;
    if (type === 'executionStarted') return this.#start ? 'duplicate-start' : undefined;
    if (!this.#start && type !== 'orchestratorStarted') return 'not-started';
    if (type === 'executionCompleted') return this.#completion ? 'duplicate-completion' : undefined;
    const scheduled = scheduledTaskOf(event);
    if (scheduled) return this.#scheduled.has(scheduled.id) ? 'duplicate-task-id' : undefined;
    const resolved = resolvedTaskOf(event);
    if (resolved) {
      if (this.#scheduled.get(resolved.id)?.kind !== resolved.kind) return 'unknown-task';
      if (this.#resolved.has(resolved.id)) return 'duplicate-resolution';
    }
    return undefined;
  }

  /** Adds an event to the history and updates the derived state. */
  append(event: HistoryEvent): void {
    this.#events.push(event);
    const type = event.eventType;
    if (type.case === 'executionStarted') {
      this.#start ??= { event, value: type.value };
    } else if (type.case === 'executionCompleted') {
      this.#completion ??= { event, value: type.value };
    } else if (type.case === 'orchestratorStarted') {
      this.#startedAt ??= eventTime(event);
    } else if (type.case === 'executionSuspended') {
      this.#suspended = true;
    } else if (type.case === 'executionResumed') {
      this.#suspended = false;
    }
    const scheduled = scheduledTaskOf(event);
    if (scheduled && !this.#scheduled.has(scheduled.id)) {
      this.#scheduled.set(scheduled.id, { kind: scheduled.kind, event });
    }
    const resolved = resolvedTaskOf(event);
    if (resolved && !this.#resolved.has(resolved.id)) this.#resolved.set(resolved.id, event);
  }

  get history(): readonly HistoryEvent[] {
    return this.#events;
  }

  get startEvent(): ExecutionStartedEvent | undefined {
    return this.#start?.value;
  }

  get completedEvent(): ExecutionCompletedEvent | undefined {
    return this.#completion?.value;
  }

  get isStarted(): boolean {
    return this.#start !== undefined;
  }

  get isCompleted(): boolean {
    return this.#completion !== undefined;
  }

  /** Suspended and not completed (a completed instance is never reported suspended). */
  get isSuspended(): boolean {
    return this.#suspended && !this.isCompleted;
  }

  /**
   * PENDING before the ExecutionStarted is in the history (before the first turn), then RUNNING,
   * SUSPENDED, or the status of the ExecutionCompleted.
   */
  get status(): OrchestrationStatus {
    if (!this.#start) return OrchestrationStatus.PENDING;
    if (this.#completion) return this.#completion.value.orchestrationStatus;
    if (this.#suspended) return OrchestrationStatus.SUSPENDED;
    return OrchestrationStatus.RUNNING;
  }

  get instanceId(): string | undefined {
    return this.#start?.value.orchestrationInstance?.instanceId;
  }

  get executionId(): string {
    return this.#start?.value.orchestrationInstance?.executionId ?? '';
  }

  get name(): string {
    return this.#start?.value.name ?? '';
  }

  get version(): string | undefined {
    return this.#start?.value.version;
  }

  get input(): string | undefined {
    return this.#start?.value.input;
  }

  get output(): string | undefined {
    return this.#completion?.value.result;
  }

  get failureDetails(): TaskFailureDetails | undefined {
    return this.#completion?.value.failureDetails;
  }

  get tags(): Readonly<Record<string, string>> {
    return this.#start?.value.tags ?? {};
  }

  get parentInstance(): ParentInstanceInfo | undefined {
    return this.#start?.value.parentInstance;
  }

  get parentInstanceId(): string | undefined {
    return this.#start?.value.parentInstance?.orchestrationInstance?.instanceId;
  }

  /** Epoch ms of the ExecutionStarted event (when the instance was scheduled). */
  get createdAt(): number | undefined {
    return this.#start ? eventTime(this.#start.event) : undefined;
  }

  /** Epoch ms of the first OrchestratorStarted (the first turn of this generation). */
  get startedAt(): number | undefined {
    return this.#startedAt;
  }

  get completedAt(): number | undefined {
    return this.#completion ? eventTime(this.#completion.event) : undefined;
  }

  /** Epoch ms of the last event, if any. */
  get lastUpdatedAt(): number | undefined {
    const last = this.#events.at(-1);
    return last ? eventTime(last) : undefined;
  }

  /** The scheduling event of `taskId`, if one is in the history. */
  scheduledTask(taskId: number): { readonly kind: TaskKind; readonly event: HistoryEvent } | undefined {
    return this.#scheduled.get(taskId);
  }

  /** The resolution event of `taskId` (result, failure, fired timer), if one is in the history. */
  resolutionOf(taskId: number): HistoryEvent | undefined {
    return this.#resolved.get(taskId);
  }

  /** Scheduling events of `kind` that have no resolution yet, in history order. */
  pending(kind: TaskKind): HistoryEvent[] {
    const pending: HistoryEvent[] = [];
    for (const [id, task] of this.#scheduled) {
      if (task.kind === kind && !this.#resolved.has(id)) pending.push(task.event);
    }
    return pending;
  }

  /** Activities scheduled and not yet completed or failed (TaskScheduled events). */
  get pendingTasks(): HistoryEvent[] {
    return this.pending('activity');
  }

  /** Timers created and not yet fired (TimerCreated events). */
  get pendingTimers(): HistoryEvent[] {
    return this.pending('timer');
  }

  /** Sub-orchestrations created and not yet completed or failed (SubOrchestrationInstanceCreated events). */
  get pendingSubOrchestrations(): HistoryEvent[] {
    return this.pending('subOrchestration');
  }

  /** The instance columns a backend stores. `customStatus` comes from the last turn's response. */
  summary(customStatus?: string): InstanceSummary {
    const { version, input, output, failureDetails, startedAt, completedAt, parentInstanceId } = this;
    return {
      name: this.name,
      executionId: this.executionId,
      status: this.status,
      tags: { ...this.tags },
      ...(version !== undefined && { version }),
      ...(input !== undefined && { input }),
      ...(output !== undefined && { output }),
      ...(customStatus !== undefined && { customStatus }),
      ...(failureDetails !== undefined && { failureDetails }),
      ...(startedAt !== undefined && { startedAt }),
      ...(completedAt !== undefined && { completedAt }),
      ...(parentInstanceId !== undefined && { parentInstanceId }),
    };
  }
}
