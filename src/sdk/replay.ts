import { create } from '@bufbuild/protobuf';
import { errorFromFailureDetails } from '../api/failure-details.js';
import { SILENT_LOGGER, type Logger } from '../logging/logger.js';
import {
  OrchestrationStatus,
  OrchestratorResponseSchema,
  TaskFailureDetailsSchema,
  type HistoryEvent,
  type OrchestratorResponse,
  type TaskFailureDetails,
} from '../proto/orchestrator_service_pb.js';
import { eventTime } from '../runtime/history-events.js';
import { confirmRecordedCall } from './non-determinism.js';
import { OrchestratorDriver } from './orchestrator-driver.js';
import type { AnyOrchestrator } from './orchestrator.js';
import { decodePayload } from './payload.js';
import { RetryTimerTask, RetryableTask, nextRetryDelayMs } from './retry.js';
import { ReplayContext } from './replay-context.js';

/** Finds orchestrators by name (the Registry is one). */
export interface OrchestratorLookup {
  getOrchestrator(name: string): AnyOrchestrator | undefined;
}

export interface ReplayRequest {
  readonly instanceId: string;
  readonly executionId?: string | undefined;
  /** Events already recorded in earlier turns: replayed with isReplaying true. */
  readonly pastEvents: readonly HistoryEvent[];
  /** Events new in this turn. */
  readonly newEvents: readonly HistoryEvent[];
}

export interface ReplayOptions {
  /** Receives the orchestrator's `ctx.log` records (outside replay) and the replay's own. */
  readonly logger?: Logger;
}

/** The orchestrator named in ExecutionStarted is not registered. */
export class OrchestratorNotRegisteredError extends Error {
  constructor(name: string) {
    super(`No orchestrator named '${name}' is registered.`);
    this.name = 'OrchestratorNotRegisteredError';
  }
}

/**
 * Runs one orchestration turn: replays the orchestrator over the full history and returns the
 * actions of the turn. Pure: no I/O, no clock. Anything that goes wrong (the orchestrator throws,
 * history and code disagree, an unknown orchestrator) ends the instance FAILED with failure
 * details; this function itself does not reject for those.
 */
export async function replayOrchestration(
  orchestrators: OrchestratorLookup,
  request: ReplayRequest,
  options: ReplayOptions = {},
): Promise<OrchestratorResponse> {
  const logger = (options.logger ?? SILENT_LOGGER).child({ instanceId: request.instanceId });
  const replay = new OrchestrationReplay(orchestrators, request, logger);
  const ctx = await replay.run();
  return create(OrchestratorResponseSchema, {
    instanceId: request.instanceId,
    actions: ctx.actions(),
    ...(ctx.customStatus !== undefined && { customStatus: ctx.customStatus }),
  });
}

/**
 * One replay, event by event, with durabletask-js semantics. Suspension: after
 * ExecutionSuspended, every event but Suspended/Resumed/Terminated is held back until
 * ExecutionResumed, then processed in order.
 */
class OrchestrationReplay {
  readonly #orchestrators: OrchestratorLookup;
  readonly #request: ReplayRequest;
  readonly #logger: Logger;
  readonly #ctx: ReplayContext;
  readonly #driver: OrchestratorDriver;
  #suspended = false;
  #heldBack: HistoryEvent[] = [];

  constructor(orchestrators: OrchestratorLookup, request: ReplayRequest, logger: Logger) {
    this.#orchestrators = orchestrators;
    this.#request = request;
    this.#logger = logger;
    this.#ctx = new ReplayContext(request.instanceId, request.executionId ?? '', logger);
    this.#driver = new OrchestratorDriver(this.#ctx);
  }

  async run(): Promise<ReplayContext> {
    const ctx = this.#ctx;
    try {
      ctx.isReplaying = true;
      for (const event of this.#request.pastEvents) await this.#process(event);
      ctx.isReplaying = false;
      for (const event of this.#request.newEvents) await this.#process(event);
    } catch (err) {
      this.#logger.debug({ err }, 'orchestration failed during replay');
      ctx.fail(err);
    }
    return ctx;
  }

  async #process(event: HistoryEvent): Promise<void> {
    const kind = event.eventType;
    if (this.#suspended && !isSuspensionControl(kind.case)) {
      this.#heldBack.push(event);
      return;
    }
    const ctx = this.#ctx;
    switch (kind.case) {
      case 'orchestratorStarted':
        if (event.timestamp) ctx.currentUtcDateTime = new Date(eventTime(event));
        return;
      case 'executionStarted':
        return this.#start(kind.value);
      case 'timerCreated':
        return confirmRecordedCall(ctx.pendingActions, {
          sequenceNumber: event.eventId,
          kind: 'createTimer',
        });
      case 'taskScheduled':
        return confirmRecordedCall(ctx.pendingActions, {
          sequenceNumber: event.eventId,
          kind: 'scheduleTask',
          name: kind.value.name,
        });
      case 'subOrchestrationInstanceCreated':
        return confirmRecordedCall(ctx.pendingActions, {
          sequenceNumber: event.eventId,
          kind: 'createSubOrchestration',
          name: kind.value.name,
        });
      case 'eventSent':
        return confirmRecordedCall(ctx.pendingActions, {
          sequenceNumber: event.eventId,
          kind: 'sendEvent',
          name: kind.value.name,
          targetInstanceId: kind.value.instanceId,
        });
      case 'timerFired':
        return this.#timerFired(kind.value.timerId);
      case 'taskCompleted':
        return this.#taskCompleted(kind.value.taskScheduledId, kind.value.result);
      case 'subOrchestrationInstanceCompleted':
        return this.#taskCompleted(kind.value.taskScheduledId, kind.value.result);
      case 'taskFailed':
        return this.#taskFailed(kind.value.taskScheduledId, kind.value.failureDetails, 'Activity task');
      case 'subOrchestrationInstanceFailed':
        return this.#taskFailed(
          kind.value.taskScheduledId,
          kind.value.failureDetails,
          'Sub-orchestration task',
        );
      case 'eventRaised':
        if (ctx.events.deliver(event)) await this.#driver.resume();
        return;
      case 'executionSuspended':
        this.#suspended = true;
        return;
      case 'executionResumed':
        return this.#resumeExecution();
      case 'executionTerminated':
        // The terminate reason is already JSON text: it becomes the output as it is.
        ctx.complete(OrchestrationStatus.TERMINATED, kind.value.input);
        return;
      case 'executionCompleted':
      case 'orchestratorCompleted':
      case 'continueAsNew':
      case 'genericEvent':
      case 'historyState':
      case 'executionRewound':
      case 'entityOperationSignaled':
      case 'entityOperationCalled':
      case 'entityOperationCompleted':
      case 'entityOperationFailed':
      case 'entityLockRequested':
      case 'entityLockGranted':
      case 'entityUnlockSent':
      case undefined:
        // Nothing for the orchestrator code to see (entities are not supported by this SDK yet).
        return;
    }
  }

  async #start(
    started: Extract<HistoryEvent['eventType'], { case: 'executionStarted' }>['value'],
  ): Promise<void> {
    const ctx = this.#ctx;
    const orchestrator = this.#orchestrators.getOrchestrator(started.name);
    if (!orchestrator) throw new OrchestratorNotRegisteredError(started.name);
    ctx.name = started.name;
    ctx.version = started.version ?? '';
    const executionId = started.orchestrationInstance?.executionId;
    if (executionId) ctx.executionId = executionId;
    const parent = started.parentInstance;
    if (parent) {
      ctx.parent = {
        name: parent.name ?? '',
        instanceId: parent.orchestrationInstance?.instanceId ?? '',
        taskScheduledId: parent.taskScheduledId,
      };
    }
    await this.#driver.start(orchestrator, ctx, decodePayload(started.input));
  }

  async #timerFired(timerId: number): Promise<void> {
    const ctx = this.#ctx;
    const task = ctx.pendingTasks.get(timerId);
    ctx.pendingTasks.delete(timerId);
    if (!task) {
      // A cancelled timer, or a timeout whose event came first.
      if (!ctx.isReplaying) this.#logger.debug({ timerId }, 'ignoring TimerFired of no pending timer');
      return;
    }
    if (task instanceof RetryTimerTask) {
      // The delay before a retry ended: schedule the next attempt; the orchestrator waits on.
      ctx.rescheduleRetry(task.retrying);
      return;
    }
    task.complete(undefined);
    await this.#driver.resume();
  }

  async #taskCompleted(taskId: number, result: string | undefined): Promise<void> {
    const ctx = this.#ctx;
    const task = ctx.pendingTasks.get(taskId);
    ctx.pendingTasks.delete(taskId);
    if (!task) {
      if (!ctx.isReplaying) this.#logger.debug({ taskId }, 'ignoring a result for no pending task');
      return;
    }
    task.complete(decodePayload(result));
    await this.#driver.resume();
  }

  async #taskFailed(taskId: number, reported: TaskFailureDetails | undefined, label: string): Promise<void> {
    const ctx = this.#ctx;
    const task = ctx.pendingTasks.get(taskId);
    if (!task) {
      if (!ctx.isReplaying) this.#logger.debug({ taskId }, 'ignoring a failure for no pending task');
      return;
    }
    const details = reported ?? create(TaskFailureDetailsSchema, {});
    ctx.pendingTasks.delete(taskId);
    if (task instanceof RetryableTask) {
      const delayMs = nextRetryDelayMs(task.policy, {
        attempt: task.attempt,
        elapsedMs: ctx.currentUtcDateTime.getTime() - task.startedAt.getTime(),
        failure: details,
      });
      if (delayMs !== undefined) {
        task.attempt++;
        ctx.createRetryTimer(task, delayMs);
        return;
      }
    }
    const message = details.errorMessage || 'Unknown error';
    task.fail(errorFromFailureDetails(details, `${label} #${taskId} failed: ${message}`));
    await this.#driver.resume();
  }

  async #resumeExecution(): Promise<void> {
    if (!this.#suspended) return;
    this.#suspended = false;
    // Take the held-back events first: one of them may suspend the instance again.
    const heldBack = this.#heldBack;
    this.#heldBack = [];
    for (const event of heldBack) await this.#process(event);
  }
}

function isSuspensionControl(kind: HistoryEvent['eventType']['case']): boolean {
  return kind === 'executionSuspended' || kind === 'executionResumed' || kind === 'executionTerminated';
}
