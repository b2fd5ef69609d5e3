import { create } from '@bufbuild/protobuf';
import { failureDetailsFromError } from '../api/failure-details.js';
import type { ActivityWorkItem, Backend } from '../backend/backend.js';
import type { Executor } from '../executor/executor.js';
import {
  ActivityRequestSchema,
  type ActivityRequest,
  type ActivityResponse,
  type HistoryEvent,
} from '../proto/orchestrator_service_pb.js';
import { eventOf, taskCompletedEvent, taskFailedEvent } from '../runtime/history-events.js';
import type { Clock } from '../loop/clock.js';

/**
 * Running one activity work item: build the ActivityRequest from its TaskScheduled event, have
 * the executor run it, and complete the item with the TaskCompleted or TaskFailed event for the
 * orchestration's inbox. An executor error (no worker, stream lost, aborted) rejects instead:
 * the activity worker then abandons the item so it is retried.
 */

/** The request for the executor, or undefined when the item does not hold a TaskScheduled event. */
export function activityRequestFor(item: ActivityWorkItem): ActivityRequest | undefined {
  const scheduled = eventOf(item.event, 'taskScheduled');
  if (!scheduled) return undefined;
  return create(ActivityRequestSchema, {
    name: scheduled.name,
    ...(scheduled.version !== undefined && { version: scheduled.version }),
    ...(scheduled.input !== undefined && { input: scheduled.input }),
    orchestrationInstance: { instanceId: item.instanceId, executionId: item.executionId },
    taskId: item.taskId,
    ...(scheduled.parentTraceContext && { parentTraceContext: scheduled.parentTraceContext }),
    tags: { ...scheduled.tags },
  });
}

/** The event that records the activity's outcome: TaskFailed when it reported failure details. */
export function activityResultEvent(
  item: ActivityWorkItem,
  response: ActivityResponse,
  at: number,
): HistoryEvent {
  return response.failureDetails
    ? taskFailedEvent(item.taskId, response.failureDetails, at)
    : taskCompletedEvent(item.taskId, response.result, at);
}

export interface ActivityRunnerDeps {
  readonly backend: Backend;
  readonly executor: Executor;
  readonly clock: Clock;
}

/** Runs an activity work item to its completion in the store (see the module comment). */
export function createActivityRunner(
  deps: ActivityRunnerDeps,
): (item: ActivityWorkItem, signal: AbortSignal) => Promise<void> {
  return async (item, signal) => {
    const request = activityRequestFor(item);
    if (!request) {
      // Retrying cannot repair a malformed task: fail it so the orchestration sees why.
      const error = new Error(
        `Activity task ${item.taskId} of '${item.instanceId}' holds a ${item.event.eventType.case ?? 'empty'} event, not TaskScheduled.`,
      );
      const details = failureDetailsFromError(error, { nonRetriable: true });
      await deps.backend.completeActivityWorkItem(
        item,
        taskFailedEvent(item.taskId, details, deps.clock.now()),
      );
      return;
    }
    signal.throwIfAborted();
    // Once the activity has run, its result is recorded even if shutdown began meanwhile.
    const response = await deps.executor.executeActivity(request, signal);
    await deps.backend.completeActivityWorkItem(item, activityResultEvent(item, response, deps.clock.now()));
  };
}
