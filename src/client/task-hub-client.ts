import { startCreateSpan } from '../tracing/create-spans.js';
import {
  InstanceNotFoundError,
  InvalidArgumentError,
  NotCompletedError,
  ShutdownError,
} from '../api/errors.js';
import type {
  InstancePage,
  InstanceQuery,
  InstanceState,
  PurgeFilter,
  PurgeResult,
} from '../api/instance.js';
import { isTerminalStatus, OrchestrationStatus, statusName } from '../api/status.js';
import type { HistoryEvent } from '../proto/orchestrator_service_pb.js';
import { newExecutionId } from '../runtime/execution-id.js';
import {
  eventRaisedEvent,
  executionResumedEvent,
  executionRewoundEvent,
  executionStartedEvent,
  executionSuspendedEvent,
  executionTerminatedEvent,
} from '../runtime/history-events.js';
import {
  assertPositive,
  assertScheduleOptions,
  assertTimeout,
  compileClientOptions,
  type CompiledClientOptions,
  type GetStateOptions,
  type OrchestratorRef,
  type PurgeOptions,
  type RestartOptions,
  type ScheduleOrchestrationOptions,
  type TaskHubClientOptions,
  type TerminateOptions,
  type WaitOptions,
} from './client-options.js';
import { assertNonEmptyName, assertValidInstanceId, newInstanceId } from './instance-id.js';
import { assertPayloadSize, serializePayload } from './payload.js';
import { InstanceUpdateRouter } from './instance-update-router.js';
import { purgeWithin, type TimedPurgeOptions } from './timed-purge.js';
import { waitForInstance, type PendingWait, type WaitDependencies } from './wait-for-instance.js';

const TERMINAL_STATUSES: readonly OrchestrationStatus[] = [
  OrchestrationStatus.COMPLETED,
  OrchestrationStatus.FAILED,
  OrchestrationStatus.TERMINATED,
  OrchestrationStatus.CANCELED,
];

/** What `#createInstance` needs; the input is already serialized. */
interface StartRequest {
  readonly instanceId: string;
  readonly name: string;
  readonly version?: string | undefined;
  readonly input?: string | undefined;
  readonly scheduledStartAt?: number | undefined;
  readonly tags?: Readonly<Record<string, string>> | undefined;
  /** Absent: the backend's default (terminal instances are replaced). */
  readonly replaceableStatuses?: readonly OrchestrationStatus[] | undefined;
}

/**
 * The in-process client of a task hub: schedules and drives orchestration instances on a
 * Backend. Method names and semantics follow `TaskHubGrpcClient` of `@microsoft/durabletask-js`
 * so code moves between the two; payloads are JSON-serialized the same way.
 *
 * Every method validates its arguments first (InvalidArgumentError, PayloadTooLargeError) and
 * reports the backend's typed errors unchanged (InstanceNotFoundError, DuplicateInstanceError,
 * NotCompletedError). `stop()` rejects pending waits with ShutdownError and refuses later calls.
 */
export class TaskHubClient {
  readonly #eventChains = new Map<string, Promise<void>>();
  readonly #options: CompiledClientOptions;
  readonly #pendingWaits = new Set<PendingWait>();
  /** What every wait needs; all waits share one backend subscription through the router. */
  readonly #waitDeps: WaitDependencies;
  #stopped = false;

  constructor(options: TaskHubClientOptions) {
    this.#options = compileClientOptions(options);
    const router = new InstanceUpdateRouter(this.#options.backend);
    this.#waitDeps = {
      backend: this.#options.backend,
      clock: this.#options.clock,
      pollIntervalMs: this.#options.pollIntervalMs,
      watch: (instanceId, onUpdate) => router.watch(instanceId, onUpdate),
    };
  }

  /** Schedules a new instance and returns its id. */
  async scheduleNewOrchestration(
    orchestrator: OrchestratorRef,
    input?: unknown,
    options: ScheduleOrchestrationOptions = {},
  ): Promise<string> {
    this.#assertOpen();
    const name = typeof orchestrator === 'string' ? orchestrator : orchestrator.name;
    assertNonEmptyName(name, 'The orchestration name');
    const instanceId = options.instanceId ?? newInstanceId();
    assertValidInstanceId(instanceId);
    assertScheduleOptions(options);
    const serialized = serializePayload(input, 'The orchestration input', this.#options.maxPayloadBytes);
    await this.#createInstance({
      instanceId,
      name,
      version: options.version,
      input: serialized,
      scheduledStartAt: options.startAt?.getTime(),
      tags: options.tags,
      replaceableStatuses: options.enforceUniqueInstanceId ? [] : options.reusePolicy?.replaceableStatuses,
    });
    return instanceId;
  }

  /** The instance's state, or undefined when no such instance exists. */
  async getOrchestrationState(
    instanceId: string,
    options: GetStateOptions = {},
  ): Promise<InstanceState | undefined> {
    this.#assertOpen();
    assertValidInstanceId(instanceId);
    return this.#options.backend.getInstance(instanceId, options.fetchPayloads ?? true);
  }

  /** Resolves once the instance has left PENDING (returns at once when it already has). */
  waitForOrchestrationStart(instanceId: string, options: WaitOptions = {}): Promise<InstanceState> {
    const started = (status: OrchestrationStatus): boolean => status !== OrchestrationStatus.PENDING;
    return this.#wait(instanceId, 'to start', started, options);
  }

  /** Resolves once the instance is terminal: COMPLETED, FAILED, TERMINATED or CANCELED. */
  waitForOrchestrationCompletion(instanceId: string, options: WaitOptions = {}): Promise<InstanceState> {
    return this.#wait(instanceId, 'to complete', isTerminalStatus, options);
  }

  /** Sends an external event (JSON data) to an instance. */
  async raiseOrchestrationEvent(instanceId: string, eventName: string, data?: unknown): Promise<void> {
    this.#assertOpen();
    assertValidInstanceId(instanceId);
    assertNonEmptyName(eventName, 'The event name');
    const serialized = serializePayload(data, 'The event data', this.#options.maxPayloadBytes);
    await this.#addEvent(instanceId, (at) => eventRaisedEvent(eventName, serialized, at));
  }

  async suspendOrchestration(instanceId: string, reason?: string): Promise<void> {
    this.#assertOpen();
    assertValidInstanceId(instanceId);
    this.#assertReason(reason);
    await this.#addEvent(instanceId, (at) => executionSuspendedEvent(reason, at));
  }

  async resumeOrchestration(instanceId: string, reason?: string): Promise<void> {
    this.#assertOpen();
    assertValidInstanceId(instanceId);
    this.#assertReason(reason);
    await this.#addEvent(instanceId, (at) => executionResumedEvent(reason, at));
  }

  /** Terminates an instance (and by default its sub-orchestrations) with an optional output. */
  async terminateOrchestration(instanceId: string, options: TerminateOptions = {}): Promise<void> {
    this.#assertOpen();
    assertValidInstanceId(instanceId);
    const output = serializePayload(options.output, 'The termination output', this.#options.maxPayloadBytes);
    const recursive = options.recursive ?? true;
    await this.#addEvent(instanceId, (at) => executionTerminatedEvent(output, recursive, at));
  }

  /**
   * Deletes a terminal instance, its history and (by default) its sub-orchestrations; returns how
   * many instances were deleted. InstanceNotFoundError when absent, NotCompletedError while running.
   */
  async purgeOrchestration(instanceId: string, options: PurgeOptions = {}): Promise<number> {
    this.#assertOpen();
    assertValidInstanceId(instanceId);
    return this.#options.backend.purgeInstance(instanceId, options.recursive ?? true);
  }

  /** Deletes every terminal instance matching the filter; returns the count. */
  async purgeOrchestrations(filter: PurgeFilter): Promise<number> {
    this.#assertOpen();
    return this.#options.backend.purgeInstances(filter);
  }

  /**
   * Deletes the terminal instances matching the filter in batches until none is left or
   * `timeoutMs` has passed; `isComplete` says which. At least one batch is deleted.
   */
  async purgeOrchestrationsWithin(filter: PurgeFilter, options: TimedPurgeOptions): Promise<PurgeResult> {
    this.#assertOpen();
    return purgeWithin(this.#options.backend, filter, options);
  }

  /** One page of instances matching the query. */
  async queryInstances(query: InstanceQuery = {}): Promise<InstancePage<InstanceState>> {
    this.#assertOpen();
    this.#assertQuery(query);
    return this.#options.backend.queryInstances(query);
  }

  /** One page of instance ids matching the query. */
  async listInstanceIds(query: InstanceQuery = {}): Promise<InstancePage<string>> {
    this.#assertOpen();
    this.#assertQuery(query);
    return this.#options.backend.listInstanceIds(query);
  }

  /** Every instance matching the query, page after page (following continuation tokens). */
  async *allInstances(query: InstanceQuery = {}): AsyncGenerator<InstanceState, void, undefined> {
    let token = query.continuationToken;
    for (;;) {
      const page = await this.queryInstances(withToken(query, token));
      yield* page.items;
      if (page.continuationToken === undefined) return;
      if (page.continuationToken === token) {
        throw new Error(`The backend returned the same continuation token twice: '${token}'.`);
      }
      token = page.continuationToken;
    }
  }

  /** The stored history of an instance. InstanceNotFoundError when absent. */
  async getOrchestrationHistory(instanceId: string): Promise<HistoryEvent[]> {
    this.#assertOpen();
    assertValidInstanceId(instanceId);
    const { backend } = this.#options;
    const history = await backend.getHistory(instanceId);
    // A pending instance has no history yet; only an absent one is an error.
    if (history.length === 0 && (await backend.getInstance(instanceId, false)) === undefined) {
      throw new InstanceNotFoundError(instanceId);
    }
    return history;
  }

  /**
   * Rewinds a FAILED instance: its failed work is retried and it continues. Any other status is a
   * NotCompletedError (the instance has not failed); an unknown id is InstanceNotFoundError.
   */
  async rewindOrchestration(instanceId: string, reason?: string): Promise<void> {
    this.#assertOpen();
    assertValidInstanceId(instanceId);
    this.#assertReason(reason);
    const state = await this.#options.backend.getInstance(instanceId, false);
    if (state === undefined) throw new InstanceNotFoundError(instanceId);
    if (state.status !== OrchestrationStatus.FAILED) {
      throw new NotCompletedError(
        instanceId,
        `Orchestration instance '${instanceId}' is ${statusName(state.status)}; only a FAILED instance can be rewound.`,
      );
    }
    await this.#addEvent(instanceId, (at) => executionRewoundEvent(reason, at));
  }

  /**
   * Starts the instance again with its original name, version, input and tags; returns the id it
   * runs under. With `newInstanceId` a fresh instance is scheduled beside the old one; otherwise
   * the old instance must be terminal (else NotCompletedError) and is replaced.
   */
  async restartOrchestration(instanceId: string, options: RestartOptions = {}): Promise<string> {
    this.#assertOpen();
    assertValidInstanceId(instanceId);
    const state = await this.#options.backend.getInstance(instanceId, true);
    if (state === undefined) throw new InstanceNotFoundError(instanceId);
    const sameId = !(options.newInstanceId ?? false);
    if (sameId && !isTerminalStatus(state.status)) {
      throw new NotCompletedError(
        instanceId,
        `Orchestration instance '${instanceId}' is ${statusName(state.status)}; it must be ` +
          'COMPLETED, FAILED, TERMINATED or CANCELED to restart under the same id.',
      );
    }
    const restartedId = sameId ? instanceId : newInstanceId();
    await this.#createInstance({
      instanceId: restartedId,
      name: state.name,
      version: state.version,
      input: state.input,
      tags: state.tags,
      replaceableStatuses: sameId ? TERMINAL_STATUSES : undefined,
    });
    return restartedId;
  }

  /** Rejects every pending wait with ShutdownError; later calls are refused. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const error = new ShutdownError('The task hub client');
    for (const wait of [...this.#pendingWaits]) wait.cancel(error);
  }

  async #createInstance(request: StartRequest): Promise<void> {
    const { backend, logger } = this.#options;
    const at = await backend.now();
    const executionId = newExecutionId();
    const span = startCreateSpan({ ...request, executionId });
    const startEvent = executionStartedEvent(
      {
        instanceId: request.instanceId,
        executionId,
        name: request.name,
        ...(request.version !== undefined && { version: request.version }),
        ...(request.input !== undefined && { input: request.input }),
        ...(request.scheduledStartAt !== undefined && { scheduledStartAt: request.scheduledStartAt }),
        ...(request.tags !== undefined && { tags: request.tags }),
        ...(span.traceContext && { parentTraceContext: span.traceContext }),
      },
      at,
    );
    const replaceable = request.replaceableStatuses;
    try {
      await backend.createInstance(
        startEvent,
        replaceable !== undefined ? { replaceableStatuses: replaceable } : {},
      );
    } catch (err) {
      span.end(err);
      throw err;
    }
    span.end();
    logger.debug({ instanceId: request.instanceId, name: request.name }, 'orchestration scheduled');
  }

  /**
   * Events to one instance reach the backend in call order: reading the backend's clock is an
   * await (a pooled query on PostgreSQL), so two concurrent raises could otherwise swap places.
   */
  async #addEvent(instanceId: string, build: (at: number) => HistoryEvent): Promise<void> {
    const { backend, logger } = this.#options;
    const previous = this.#eventChains.get(instanceId);
    const send = async (): Promise<void> => {
      const event = build(await backend.now());
      await backend.addEvent(instanceId, event);
      logger.debug({ instanceId, event: event.eventType.case }, 'event sent to orchestration');
    };
    const mine = previous ? previous.then(send, send) : send();
    this.#eventChains.set(instanceId, mine);
    try {
      await mine;
    } finally {
      if (this.#eventChains.get(instanceId) === mine) this.#eventChains.delete(instanceId);
    }
  }

  /** Waits until the instance's status satisfies `isDoneStatus`. */
  async #wait(
    instanceId: string,
    goal: string,
    isDoneStatus: (status: OrchestrationStatus) => boolean,
    options: WaitOptions,
  ): Promise<InstanceState> {
    this.#assertOpen();
    assertValidInstanceId(instanceId);
    assertTimeout(options.timeoutMs);
    const pending = waitForInstance(this.#waitDeps, {
      instanceId,
      goal,
      isDone: (state) => isDoneStatus(state.status),
      mayBeDone: isDoneStatus,
      fetchPayloads: options.fetchPayloads ?? true,
      ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
      ...(options.signal !== undefined && { signal: options.signal }),
    });
    this.#pendingWaits.add(pending);
    const forget = (): void => void this.#pendingWaits.delete(pending);
    pending.promise.then(forget, forget);
    return pending.promise;
  }

  #assertOpen(): void {
    if (this.#stopped) throw new ShutdownError('The task hub client');
  }

  #assertReason(reason: string | undefined): void {
    if (reason !== undefined) assertPayloadSize(reason, 'The reason', this.#options.maxPayloadBytes);
  }

  #assertQuery(query: InstanceQuery): void {
    if (query.pageSize !== undefined) {
      assertPositive(query.pageSize, 'pageSize');
      if (!Number.isInteger(query.pageSize)) {
        throw new InvalidArgumentError(`pageSize must be an integer; got ${query.pageSize}.`);
      }
    }
  }
}

function withToken(query: InstanceQuery, token: string | undefined): InstanceQuery {
  const { continuationToken: _ignored, ...rest } = query;
  return token === undefined ? rest : { ...rest, continuationToken: token };
}
