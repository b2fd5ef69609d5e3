import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import {
  HistoryEventSchema,
  type HistoryEvent,
  type OrchestrationStatus,
  type TaskFailureDetails,
  type TraceContext,
} from '../proto/orchestrator_service_pb.js';

/**
 * Builders for history events, so no caller spells out protobuf oneofs by hand.
 * `eventId` is -1 for events that do not carry a task id (the Durable Task convention).
 */

type EventTypeInit = NonNullable<MessageInitShape<typeof HistoryEventSchema>['eventType']>;
export type HistoryEventCase = HistoryEvent['eventType']['case'];

type EventTypeUnion = HistoryEvent['eventType'];
/** The payload type of each case of the HistoryEvent oneof. */
export type HistoryEventPayloads = {
  [K in NonNullable<HistoryEventCase>]: Extract<EventTypeUnion, { case: K }>['value'];
};
export type HistoryEventOf<C extends NonNullable<HistoryEventCase>> = HistoryEventPayloads[C];

export function historyEvent(eventType: EventTypeInit, at: number, eventId = -1): HistoryEvent {
  return create(HistoryEventSchema, { eventId, timestamp: timestampFromMs(at), eventType });
}

/** Epoch ms of an event's timestamp (0 when absent). */
export function eventTime(event: HistoryEvent): number {
  return event.timestamp ? timestampMs(event.timestamp) : 0;
}

/** The payload of `event` when it is of case `kind`, else undefined. */
export function eventOf<C extends NonNullable<HistoryEventCase>>(
  event: HistoryEvent,
  kind: C,
): HistoryEventOf<C> | undefined {
  return event.eventType.case === kind ? (event.eventType.value as unknown as HistoryEventOf<C>) : undefined;
}

export interface ExecutionStartedInit {
  readonly instanceId: string;
  readonly executionId: string;
  readonly name: string;
  readonly version?: string;
  readonly input?: string;
  readonly scheduledStartAt?: number;
  readonly tags?: Readonly<Record<string, string>>;
  /** The span that created the instance (the SDKs' create_orchestration span). */
  readonly parentTraceContext?: TraceContext;
  readonly parent?: {
    readonly instanceId: string;
    readonly executionId: string;
    readonly name: string;
    readonly taskScheduledId: number;
  };
}

export function executionStartedEvent(init: ExecutionStartedInit, at: number): HistoryEvent {
  return historyEvent(
    {
      case: 'executionStarted',
      value: {
        name: init.name,
        ...(init.version !== undefined && { version: init.version }),
        ...(init.input !== undefined && { input: init.input }),
        orchestrationInstance: { instanceId: init.instanceId, executionId: init.executionId },
        ...(init.scheduledStartAt !== undefined && {
          scheduledStartTimestamp: timestampFromMs(init.scheduledStartAt),
        }),
        tags: { ...init.tags },
        ...(init.parentTraceContext && { parentTraceContext: init.parentTraceContext }),
        ...(init.parent && {
          parentInstance: {
            taskScheduledId: init.parent.taskScheduledId,
            name: init.parent.name,
            orchestrationInstance: {
              instanceId: init.parent.instanceId,
              executionId: init.parent.executionId,
            },
          },
        }),
      },
    },
    at,
  );
}

export function eventRaisedEvent(name: string, input: string | undefined, at: number): HistoryEvent {
  return historyEvent({ case: 'eventRaised', value: { name, ...(input !== undefined && { input }) } }, at);
}

export function executionTerminatedEvent(
  output: string | undefined,
  recurse: boolean,
  at: number,
): HistoryEvent {
  return historyEvent(
    { case: 'executionTerminated', value: { recurse, ...(output !== undefined && { input: output }) } },
    at,
  );
}

export function executionSuspendedEvent(reason: string | undefined, at: number): HistoryEvent {
  return historyEvent(
    { case: 'executionSuspended', value: { ...(reason !== undefined && { input: reason }) } },
    at,
  );
}

export function executionResumedEvent(reason: string | undefined, at: number): HistoryEvent {
  return historyEvent(
    { case: 'executionResumed', value: { ...(reason !== undefined && { input: reason }) } },
    at,
  );
}

export function executionRewoundEvent(reason: string | undefined, at: number): HistoryEvent {
  return historyEvent({ case: 'executionRewound', value: { ...(reason !== undefined && { reason }) } }, at);
}

export function orchestratorStartedEvent(at: number): HistoryEvent {
  return historyEvent({ case: 'orchestratorStarted', value: {} }, at);
}

export function orchestratorCompletedEvent(at: number): HistoryEvent {
  return historyEvent({ case: 'orchestratorCompleted', value: {} }, at);
}

export function taskCompletedEvent(
  taskScheduledId: number,
  result: string | undefined,
  at: number,
): HistoryEvent {
  return historyEvent(
    { case: 'taskCompleted', value: { taskScheduledId, ...(result !== undefined && { result }) } },
    at,
  );
}

export function timerFiredEvent(timerId: number, fireAt: number, at: number): HistoryEvent {
  return historyEvent({ case: 'timerFired', value: { timerId, fireAt: timestampFromMs(fireAt) } }, at);
}

export interface TaskScheduledInit {
  readonly name: string;
  readonly version?: string;
  readonly input?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly parentTraceContext?: TraceContext;
}

/** An activity scheduled by an orchestration; `taskId` becomes the event id. */
export function taskScheduledEvent(taskId: number, init: TaskScheduledInit, at: number): HistoryEvent {
  return historyEvent(
    {
      case: 'taskScheduled',
      value: {
        name: init.name,
        ...(init.version !== undefined && { version: init.version }),
        ...(init.input !== undefined && { input: init.input }),
        tags: { ...init.tags },
        ...(init.parentTraceContext && { parentTraceContext: init.parentTraceContext }),
      },
    },
    at,
    taskId,
  );
}

export function taskFailedEvent(
  taskScheduledId: number,
  failureDetails: TaskFailureDetails | undefined,
  at: number,
): HistoryEvent {
  return historyEvent(
    { case: 'taskFailed', value: { taskScheduledId, ...(failureDetails && { failureDetails }) } },
    at,
  );
}

/** A durable timer created by an orchestration; `timerId` becomes the event id. */
export function timerCreatedEvent(timerId: number, fireAt: number, at: number): HistoryEvent {
  return historyEvent({ case: 'timerCreated', value: { fireAt: timestampFromMs(fireAt) } }, at, timerId);
}

export interface SubOrchestrationCreatedInit {
  readonly instanceId: string;
  readonly name: string;
  readonly version?: string;
  readonly input?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly parentTraceContext?: TraceContext;
}

/** A sub-orchestration started by an orchestration; `taskId` becomes the event id. */
export function subOrchestrationInstanceCreatedEvent(
  taskId: number,
  init: SubOrchestrationCreatedInit,
  at: number,
): HistoryEvent {
  return historyEvent(
    {
      case: 'subOrchestrationInstanceCreated',
      value: {
        instanceId: init.instanceId,
        name: init.name,
        ...(init.version !== undefined && { version: init.version }),
        ...(init.input !== undefined && { input: init.input }),
        tags: { ...init.tags },
        ...(init.parentTraceContext && { parentTraceContext: init.parentTraceContext }),
      },
    },
    at,
    taskId,
  );
}

export function subOrchestrationInstanceCompletedEvent(
  taskScheduledId: number,
  result: string | undefined,
  at: number,
): HistoryEvent {
  return historyEvent(
    {
      case: 'subOrchestrationInstanceCompleted',
      value: { taskScheduledId, ...(result !== undefined && { result }) },
    },
    at,
  );
}

export function subOrchestrationInstanceFailedEvent(
  taskScheduledId: number,
  failureDetails: TaskFailureDetails | undefined,
  at: number,
): HistoryEvent {
  return historyEvent(
    {
      case: 'subOrchestrationInstanceFailed',
      value: { taskScheduledId, ...(failureDetails && { failureDetails }) },
    },
    at,
  );
}

/** The record of an event sent to another instance; `eventId` is the action id. */
export function eventSentEvent(
  eventId: number,
  targetInstanceId: string,
  name: string,
  input: string | undefined,
  at: number,
): HistoryEvent {
  return historyEvent(
    {
      case: 'eventSent',
      value: { instanceId: targetInstanceId, name, ...(input !== undefined && { input }) },
    },
    at,
    eventId,
  );
}

/** The end of an execution; `eventId` is the completing action's id (-1 when the engine completes it). */
export function executionCompletedEvent(
  eventId: number,
  status: OrchestrationStatus,
  result: string | undefined,
  failureDetails: TaskFailureDetails | undefined,
  at: number,
): HistoryEvent {
  return historyEvent(
    {
      case: 'executionCompleted',
      value: {
        orchestrationStatus: status,
        ...(result !== undefined && { result }),
        ...(failureDetails && { failureDetails }),
      },
    },
    at,
    eventId,
  );
}
