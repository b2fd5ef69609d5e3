import { clone } from '@bufbuild/protobuf';
import { InvalidArgumentError, TaskCancelledError } from '../api/errors.js';
import { failureDetailsFromError } from '../api/failure-details.js';
import type { Logger } from '../logging/logger.js';
import {
  OrchestrationStatus,
  OrchestratorActionSchema,
  type OrchestratorAction,
} from '../proto/orchestrator_service_pb.js';
import {
  completeOrchestrationAction,
  createSubOrchestrationAction,
  createTimerAction,
  scheduleTaskAction,
  sendEventAction,
} from './actions.js';
import type { AnyActivity } from './activity.js';
import { whenAll, whenAny } from './composite-tasks.js';
import type {
  OrchestrationContext,
  ParentOrchestration,
  SubOrchestrationOptions,
  TaskCallOptions,
  WaitForExternalEventOptions,
} from './context.js';
import { ExternalEvents } from './external-events.js';
import { deterministicGuid } from './guid.js';
import type { AnyOrchestrator } from './orchestrator.js';
import { encodePayload } from './payload.js';
import { replaySafeLogger } from './replay-safe-logger.js';
import { RetryTimerTask, RetryableTask, validateRetryPolicy, type RetryableKind } from './retry.js';
import { CompletableTask, TimerTask, type Task } from './tasks.js';

/**
 * The state of one orchestration replay behind the OrchestrationContext API: the sequence
 * counter, actions not yet confirmed by history, tasks waiting for their history event, buffered
 * external events, and how the instance ended.
 *
 * Sequence numbers follow durabletask-js exactly, so histories are interchangeable: every
 * callActivity, callSubOrchestrator, createTimer and sendEvent takes the next number (starting
 * at 1); so does each retry timer, each retry attempt, an external-event timeout timer, and the
 * completion action. A replayed history event removes the action with its number.
 */
export class ReplayContext implements OrchestrationContext {
  readonly instanceId: string;
  executionId: string;
  name = '';
  version = '';
  parent: ParentOrchestration | undefined;
  isReplaying = true;
  currentUtcDateTime = new Date(0);
  readonly log: Logger;

  /** Actions of this execution not yet confirmed by a history event, by sequence number. */
  readonly pendingActions = new Map<number, OrchestratorAction>();
  /** Tasks waiting for their history event, by sequence number. */
  readonly pendingTasks = new Map<number, CompletableTask<unknown>>();
  readonly events = new ExternalEvents();

  #sequence = 0;
  #guidCounter = 0;
  #customStatus: string | undefined;
  #status: OrchestrationStatus | undefined;
  #continueAsNew: { readonly input: string | undefined; readonly saveEvents: boolean } | undefined;

  constructor(instanceId: string, executionId: string, logger: Logger) {
    this.instanceId = instanceId;
    this.executionId = executionId;
    this.log = replaySafeLogger(logger, () => this.isReplaying);
  }

  get isComplete(): boolean {
    return this.#status !== undefined;
  }

  get customStatus(): string | undefined {
    return this.#customStatus;
  }

  nextSequenceNumber(): number {
    return ++this.#sequence;
  }

  newGuid(): string {
    return deterministicGuid(this.instanceId, this.currentUtcDateTime, this.#guidCounter++);
  }

  callActivity(
    activity: AnyActivity | string,
    input?: unknown,
    options: TaskCallOptions = {},
  ): Task<unknown> {
    if (options.retry) validateRetryPolicy(options.retry);
    const id = this.nextSequenceNumber();
    const name = nameOf(activity, 'callActivity');
    const action = scheduleTaskAction(id, name, encodePayload(input), options);
    return this.#track(id, action, options, 'activity');
  }

  callSubOrchestrator(
    orchestrator: AnyOrchestrator | string,
    input?: unknown,
    options: SubOrchestrationOptions = {},
  ): Task<unknown> {
    if (options.retry) validateRetryPolicy(options.retry);
    const name = nameOf(orchestrator, 'callSubOrchestrator');
    const id = this.nextSequenceNumber();
    // An empty instance id asks the engine to assign one.
    const action = createSubOrchestrationAction(
      id,
      name,
      options.instanceId ?? '',
      encodePayload(input),
      options,
    );
    return this.#track(id, action, options, 'subOrchestration');
  }

  createTimer(fireAt: Date | number): TimerTask {
    const id = this.nextSequenceNumber();
    if (typeof fireAt === 'number' && !Number.isFinite(fireAt)) {
      throw new InvalidArgumentError(
        `createTimer needs a finite number of seconds or a Date, not ${fireAt}.`,
      );
    }
    const at =
      typeof fireAt === 'number' ? new Date(this.currentUtcDateTime.getTime() + fireAt * 1000) : fireAt;
    if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
      throw new InvalidArgumentError('createTimer received an invalid Date.');
    }
    return this.#newTimer(id, at);
  }

  waitForExternalEvent<T = unknown>(name: string, options: WaitForExternalEventOptions = {}): Task<T> {
    if (!name) throw new InvalidArgumentError('waitForExternalEvent needs an event name.');
    const timeoutMs = options.timeoutMs;
    if (timeoutMs !== undefined && Number.isNaN(timeoutMs)) {
      throw new InvalidArgumentError('waitForExternalEvent: timeoutMs must be a number.');
    }
    const task = new CompletableTask<unknown>();
    const buffered = this.events.take(name);
    if (buffered) {
      task.complete(buffered.value);
    } else if (timeoutMs === 0) {
      task.fail(new TaskCancelledError(`No external event '${name}' was waiting (timeout 0).`));
    } else {
      this.events.addWaiter(name, task);
      if (timeoutMs !== undefined && timeoutMs > 0 && Number.isFinite(timeoutMs)) {
        const timer = this.#newTimer(
          this.nextSequenceNumber(),
          new Date(this.currentUtcDateTime.getTime() + timeoutMs),
        );
        // The timer may fire after the event arrived (a stale TimerFired): then it changes nothing.
        timer.onSettled(() => {
          if (task.isComplete) return;
          this.events.removeWaiter(name, task);
          task.fail(
            new TaskCancelledError(`Timed out after ${timeoutMs} ms waiting for external event '${name}'.`),
          );
        });
      }
    }
    return task as Task<T>;
  }

  sendEvent(instanceId: string, eventName: string, data?: unknown): void {
    if (!instanceId) throw new InvalidArgumentError('sendEvent needs a target instance id.');
    if (!eventName) throw new InvalidArgumentError('sendEvent needs an event name.');
    const id = this.nextSequenceNumber();
    this.pendingActions.set(id, sendEventAction(id, instanceId, eventName, encodePayload(data)));
  }

  setCustomStatus(value: unknown): void {
    this.#customStatus = value === undefined || value === null ? undefined : JSON.stringify(value);
  }

  continueAsNew(newInput?: unknown, saveEvents = false): void {
    if (this.isComplete) return;
    this.#continueAsNew = { input: encodePayload(newInput), saveEvents };
    this.#status = OrchestrationStatus.CONTINUED_AS_NEW;
  }

  whenAll<const T extends readonly Task<unknown>[]>(tasks: T): ReturnType<typeof whenAll<T>> {
    return whenAll(tasks);
  }

  whenAny<T extends Task<unknown>>(tasks: readonly T[]): Task<T> {
    return whenAny(tasks);
  }

  /** The orchestrator returned: COMPLETED with its output. */
  completeWithOutput(output: unknown): void {
    this.complete(OrchestrationStatus.COMPLETED, encodePayload(output));
  }

  /** Ends the instance with `status` unless it has already ended. `result` is JSON text. */
  complete(status: OrchestrationStatus, result: string | undefined): void {
    if (this.isComplete) return;
    this.#status = status;
    const id = this.nextSequenceNumber();
    this.pendingActions.set(id, completeOrchestrationAction(id, { status, result }));
  }

  /** Ends the instance FAILED, replacing any completion decided earlier in this turn. */
  fail(error: unknown): void {
    for (const [id, action] of this.pendingActions) {
      if (action.orchestratorActionType.case === 'completeOrchestration') {
        this.pendingActions.delete(id);
        break;
      }
    }
    this.#continueAsNew = undefined;
    this.#status = OrchestrationStatus.FAILED;
    const id = this.nextSequenceNumber();
    this.pendingActions.set(
      id,
      completeOrchestrationAction(id, {
        status: OrchestrationStatus.FAILED,
        failureDetails: failureDetailsFromError(error),
      }),
    );
  }

  /** The actions of this turn, by sequence number; continue-as-new takes the last number. */
  actions(): OrchestratorAction[] {
    const actions = [...this.pendingActions.entries()].sort(([a], [b]) => a - b).map(([, action]) => action);
    const restart = this.#continueAsNew;
    if (restart && this.#status === OrchestrationStatus.CONTINUED_AS_NEW) {
      actions.push(
        completeOrchestrationAction(this.nextSequenceNumber(), {
          status: OrchestrationStatus.CONTINUED_AS_NEW,
          result: restart.input,
          carryoverEvents: restart.saveEvents ? this.events.unconsumed() : [],
        }),
      );
    }
    return actions;
  }

  /** After a failed attempt: a durable timer, after which `task` is scheduled again. */
  createRetryTimer(task: RetryableTask<unknown>, delayMs: number): void {
    const id = this.nextSequenceNumber();
    const fireAt = new Date(this.currentUtcDateTime.getTime() + delayMs);
    this.pendingActions.set(id, createTimerAction(id, fireAt));
    this.pendingTasks.set(id, new RetryTimerTask(task));
  }

  /** The next attempt of `task`: the same call under a new sequence number. */
  rescheduleRetry(task: RetryableTask<unknown>): void {
    const id = this.nextSequenceNumber();
    const action = clone(OrchestratorActionSchema, task.action);
    action.id = id;
    task.action = action;
    this.pendingActions.set(id, action);
    this.pendingTasks.set(id, task);
  }

  #track(
    id: number,
    action: OrchestratorAction,
    options: TaskCallOptions,
    kind: RetryableKind,
  ): Task<unknown> {
    this.pendingActions.set(id, action);
    const task = options.retry
      ? new RetryableTask<unknown>(options.retry, kind, action, this.currentUtcDateTime)
      : new CompletableTask<unknown>();
    this.pendingTasks.set(id, task);
    return task;
  }

  #newTimer(id: number, fireAt: Date): TimerTask {
    this.pendingActions.set(id, createTimerAction(id, fireAt));
    const timer = new TimerTask();
    timer.setCancelHandler(() => {
      this.pendingActions.delete(id);
      this.pendingTasks.delete(id);
    });
    this.pendingTasks.set(id, timer);
    return timer;
  }
}

function nameOf(target: ((...args: never[]) => unknown) | string, method: string): string {
  if (typeof target === 'string') return target;
  if (!target.name) {
    throw new InvalidArgumentError(
      `${method} was given an anonymous function: pass a named function or a name.`,
    );
  }
  return target.name;
}
