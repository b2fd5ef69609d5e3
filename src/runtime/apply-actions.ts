import { create } from '@bufbuild/protobuf';
import {
  TaskFailureDetailsSchema,
  type CreateSubOrchestrationAction,
  type HistoryEvent,
  type OrchestratorAction,
  type TaskFailureDetails,
} from '../proto/orchestrator_service_pb.js';
import {
  eventRaisedEvent,
  eventSentEvent,
  executionStartedEvent,
  executionTerminatedEvent,
  subOrchestrationInstanceCreatedEvent,
  taskScheduledEvent,
} from './history-events.js';
import { scheduleTimer } from './durable-timers.js';
import type { OrchestrationRuntimeState } from './runtime-state.js';
import type { ActivityTask, InstanceMessage, TimerTask } from './turn.js';

/**
 * Applies the non-completing actions of one orchestrator response to the state of the turn,
 * with the Go engine's event shapes: the scheduling event takes the action id as its event id.
 * A scheduling action that reuses a task id already in the history is ignored (it was applied
 * by an earlier turn), as the Go engine does.
 */

/** What the actions of one turn produce besides history events. */
export interface TurnOutbox {
  readonly historyEvents: HistoryEvent[];
  readonly activities: ActivityTask[];
  readonly timers: TimerTask[];
  readonly messages: InstanceMessage[];
}

export interface ActionContext {
  readonly instanceId: string;
  readonly state: OrchestrationRuntimeState;
  readonly now: number;
  readonly newId: () => string;
  readonly outbox: TurnOutbox;
}

export function emptyOutbox(): TurnOutbox {
  return { historyEvents: [], activities: [], timers: [], messages: [] };
}

/**
 * The instance id of a sub-orchestration started without one: deterministic, so a redone turn
 * creates the same child (Go: `fmt.Sprintf("%s:%04x", instanceID, action.Id)`).
 */
export function defaultChildInstanceId(parentInstanceId: string, actionId: number): string {
  return `${parentInstanceId}:${actionId.toString(16).padStart(4, '0')}`;
}

/**
 * The activity task of a TaskScheduled event: an activity scheduled without a version runs under
 * its orchestration's version, so a worker's versioned activity filter matches it (as the managed
 * scheduler routes it, and as the .NET SDK schedules it). The history keeps the event as the
 * orchestration sent it.
 */
function withInheritedVersion(event: HistoryEvent, orchestrationVersion: string | undefined): HistoryEvent {
  if (event.eventType.case !== 'taskScheduled') return event;
  const scheduled = event.eventType.value;
  if (!orchestrationVersion || scheduled.version) return event;
  return {
    ...event,
    eventType: { case: 'taskScheduled', value: { ...scheduled, version: orchestrationVersion } },
  };
}

/** Applies one action other than completeOrchestration and rewindOrchestration. */
export function applyAction(context: ActionContext, action: OrchestratorAction): void {
  const { instanceId, state, now, outbox } = context;
  const type = action.orchestratorActionType;
  switch (type.case) {
    case 'scheduleTask': {
      if (state.scheduledTask(action.id)) return;
      const event = taskScheduledEvent(
        action.id,
        {
          name: type.value.name,
          ...(type.value.version !== undefined && { version: type.value.version }),
          ...(type.value.input !== undefined && { input: type.value.input }),
          tags: type.value.tags,
          ...(type.value.parentTraceContext && { parentTraceContext: type.value.parentTraceContext }),
        },
        now,
      );
      record(context, event);
      outbox.activities.push({
        instanceId,
        executionId: state.executionId,
        taskId: action.id,
        event: withInheritedVersion(event, state.version),
      });
      return;
    }
    case 'createTimer': {
      if (state.scheduledTask(action.id)) return;
      const { created, task } = scheduleTimer(instanceId, action.id, type.value.fireAt, now);
      record(context, created);
      outbox.timers.push(task);
      return;
    }
    case 'createSubOrchestration':
      applyCreateSubOrchestration(context, action.id, type.value);
      return;
    case 'sendEvent': {
      const target = type.value.instance?.instanceId ?? '';
      record(context, eventSentEvent(action.id, target, type.value.name, type.value.data, now));
      if (target) {
        outbox.messages.push({
          targetInstanceId: target,
          event: eventRaisedEvent(type.value.name, type.value.data, now),
        });
      }
      return;
    }
    case 'terminateOrchestration':
      // No history event: the Go engine records none for it either.
      if (type.value.instanceId) {
        outbox.messages.push({
          targetInstanceId: type.value.instanceId,
          event: executionTerminatedEvent(type.value.reason, type.value.recurse, now),
        });
      }
      return;
    case 'completeOrchestration':
    case 'rewindOrchestration':
      throw new Error(`applyAction does not apply ${type.case}; the turn applier handles it`);
    case 'sendEntityMessage':
    case undefined:
      throw new Error(`applyAction cannot carry out ${describeAction(action)}; the turn fails first`);
  }
}

/**
 * What the engine cannot carry out: entity messages (entities are not supported yet) and an
 * action of a type it does not know (from a newer protocol). Such an action fails the
 * orchestration instead of being dropped, which would leave the instance waiting forever.
 */
export function isUnsupportedAction(action: OrchestratorAction): boolean {
  const type = action.orchestratorActionType.case;
  return type === 'sendEntityMessage' || type === undefined;
}

/** The failure an unsupported action ends the orchestration with. */
export function unsupportedActionFailure(action: OrchestratorAction): TaskFailureDetails {
  const reason =
    action.orchestratorActionType.case === 'sendEntityMessage'
      ? 'durable entities are not supported by this engine yet'
      : 'the engine does not know this action type';
  return create(TaskFailureDetailsSchema, {
    errorType: 'UnsupportedAction',
    errorMessage: `The orchestrator asked for ${describeAction(action)}, which cannot be carried out: ${reason}.`,
    isNonRetriable: true,
  });
}

function describeAction(action: OrchestratorAction): string {
  const type = action.orchestratorActionType;
  if (type.case === 'sendEntityMessage') {
    const message = type.value.EntityMessageType.case;
    return `a sendEntityMessage action (id ${action.id}${message !== undefined ? `, ${message}` : ''})`;
  }
  if (type.case === undefined) return `an action of an unknown type (id ${action.id})`;
  return `a ${type.case} action (id ${action.id})`;
}

function applyCreateSubOrchestration(
  context: ActionContext,
  actionId: number,
  action: CreateSubOrchestrationAction,
): void {
  const { instanceId, state, now, outbox } = context;
  if (state.scheduledTask(actionId)) return;
  const childId = action.instanceId || defaultChildInstanceId(instanceId, actionId);
  record(
    context,
    subOrchestrationInstanceCreatedEvent(
      actionId,
      {
        instanceId: childId,
        name: action.name,
        ...(action.version !== undefined && { version: action.version }),
        ...(action.input !== undefined && { input: action.input }),
        tags: action.tags,
        ...(action.parentTraceContext && { parentTraceContext: action.parentTraceContext }),
      },
      now,
    ),
  );
  const start = executionStartedEvent(
    {
      instanceId: childId,
      executionId: context.newId(),
      name: action.name,
      ...(action.version !== undefined && { version: action.version }),
      ...(action.input !== undefined && { input: action.input }),
      tags: action.tags,
      parent: {
        instanceId,
        executionId: state.executionId,
        name: state.name,
        taskScheduledId: actionId,
      },
    },
    now,
  );
  const started = start.eventType.case === 'executionStarted' ? start.eventType.value : undefined;
  if (started) {
    if (action.parentTraceContext) started.parentTraceContext = action.parentTraceContext;
    if (started.parentInstance && state.version !== undefined) started.parentInstance.version = state.version;
  }
  outbox.messages.push({ targetInstanceId: childId, event: start });
}

function record(context: ActionContext, event: HistoryEvent): void {
  context.state.append(event);
  context.outbox.historyEvents.push(event);
}
