import { OrchestrationStatus } from '../../api/status.js';
import type { HistoryEvent } from '../../proto/orchestrator_service_pb.js';
import {
  eventRaisedEvent,
  executionCompletedEvent,
  executionStartedEvent,
  orchestratorStartedEvent,
  taskScheduledEvent,
  type ExecutionStartedInit,
} from '../../runtime/history-events.js';
import type { ActivityTask, InstanceSummary, TurnResult } from '../../runtime/turn.js';

/**
 * Hand-built inputs for backend tests: start events and turn results with sensible defaults, so a
 * test spells out only what it checks.
 */

export const TEST_ORCHESTRATION = 'TestOrchestration';

/** The execution id the helpers use for an instance id (stable, so tests can predict it). */
export function executionIdOf(instanceId: string): string {
  return `${instanceId}:exec-1`;
}

export function startEvent(
  instanceId: string,
  at: number,
  init: Partial<Omit<ExecutionStartedInit, 'instanceId'>> = {},
): HistoryEvent {
  return executionStartedEvent(
    { name: TEST_ORCHESTRATION, executionId: executionIdOf(instanceId), ...init, instanceId },
    at,
  );
}

export function raisedEvent(name: string, at: number, input?: string): HistoryEvent {
  return eventRaisedEvent(name, input, at);
}

/** Activity task `taskId` of `instanceId`: activity `Activity<taskId>` with input `"arg<taskId>"`. */
export function activityTask(instanceId: string, taskId: number, at: number): ActivityTask {
  return {
    instanceId,
    executionId: executionIdOf(instanceId),
    taskId,
    event: taskScheduledEvent(taskId, { name: `Activity${taskId}`, input: `"arg${taskId}"` }, at),
  };
}

export function summaryFor(instanceId: string, init: Partial<InstanceSummary> = {}): InstanceSummary {
  return {
    name: TEST_ORCHESTRATION,
    executionId: executionIdOf(instanceId),
    status: OrchestrationStatus.RUNNING,
    tags: {},
    ...init,
  };
}

/**
 * A turn result for `instanceId`: by default it records an OrchestratorStarted and sets the
 * status RUNNING, and schedules nothing.
 */
export function turnResult(
  instanceId: string,
  at: number,
  init: Partial<Omit<TurnResult, 'instanceId' | 'summary'>> & { summary?: Partial<InstanceSummary> } = {},
): TurnResult {
  const { summary, ...rest } = init;
  return {
    instanceId,
    historyEvents: [orchestratorStartedEvent(at)],
    historyReplaced: false,
    activities: [],
    timers: [],
    messages: [],
    requeue: [],
    ...rest,
    summary: summaryFor(instanceId, { startedAt: at, ...summary }),
  };
}

/** A turn that completes the instance with `output`; `summary` overrides the instance columns. */
export function completingTurn(
  instanceId: string,
  at: number,
  output?: string,
  summary: Partial<InstanceSummary> = {},
): TurnResult {
  return turnResult(instanceId, at, {
    historyEvents: [
      orchestratorStartedEvent(at),
      executionCompletedEvent(-1, OrchestrationStatus.COMPLETED, output, undefined, at),
    ],
    summary: {
      ...summary,
      status: OrchestrationStatus.COMPLETED,
      completedAt: at,
      ...(output !== undefined && { output }),
    },
  });
}
