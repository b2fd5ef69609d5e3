import { InvalidArgumentError } from '../../api/errors.js';
import { create } from '@bufbuild/protobuf';
import type { OrchestrationStatus } from '../../api/status.js';
import {
  TaskFailureDetailsSchema,
  type ExecutionStartedEvent,
  type HistoryEvent,
} from '../../proto/orchestrator_service_pb.js';
import { eventOf, subOrchestrationInstanceFailedEvent } from '../../runtime/history-events.js';
import type { CreateInstanceOptions } from '../backend.js';
import { TERMINAL_STATUSES } from './instance-pages.js';

/** Checks shared by both SQL backends when a start event creates an instance. */

export interface StartedInstance {
  readonly started: ExecutionStartedEvent;
  readonly instanceId: string;
  readonly executionId: string;
}

/** The ExecutionStarted payload of `startEvent` with its ids; rejects an event that cannot start one. */
export function startedInstanceOf(startEvent: HistoryEvent): StartedInstance {
  const started = eventOf(startEvent, 'executionStarted');
  if (!started) throw new InvalidArgumentError('An instance is created from an ExecutionStarted event.');
  const instanceId = started.orchestrationInstance?.instanceId;
  const executionId = started.orchestrationInstance?.executionId;
  if (!instanceId) throw new InvalidArgumentError('The ExecutionStarted event carries no instance id.');
  if (!executionId) throw new InvalidArgumentError('The ExecutionStarted event carries no execution id.');
  return { started, instanceId, executionId };
}

/**
 * The statuses in which an existing instance of the same id is replaced: those of the options,
 * else the terminal ones (COMPLETED, FAILED, TERMINATED, CANCELED), as the Durable Task Scheduler
 * and the Durable Task Framework do. Only a pending, running or suspended instance conflicts then.
 */
export function replaceableStatusesOf(
  options: CreateInstanceOptions | undefined,
): readonly OrchestrationStatus[] {
  return options?.replaceableStatuses ?? TERMINAL_STATUSES;
}

/**
 * The event telling a parent that its sub-orchestration could not start because the instance id
 * is taken, so the parent fails the call rather than waiting forever; and the instance to send it to.
 */
export function duplicateSubOrchestrationFailure(
  started: ExecutionStartedEvent,
  senderId: string,
  errorMessage: string,
  now: number,
): { readonly parentId: string; readonly event: HistoryEvent } {
  const parentId = started.parentInstance?.orchestrationInstance?.instanceId ?? senderId;
  const event = subOrchestrationInstanceFailedEvent(
    started.parentInstance?.taskScheduledId ?? -1,
    create(TaskFailureDetailsSchema, {
      errorType: 'DuplicateInstanceError',
      errorMessage,
      isNonRetriable: true,
    }),
    now,
  );
  return { parentId, event };
}
