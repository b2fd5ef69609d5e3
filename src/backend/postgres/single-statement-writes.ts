import { timestampMs } from '@bufbuild/protobuf/wkt';
import { InvalidArgumentError, LockLostError } from '../../api/errors.js';
import { OrchestrationStatus } from '../../api/status.js';
import type { HistoryEvent } from '../../proto/orchestrator_service_pb.js';
import { eventOf } from '../../runtime/history-events.js';
import type { InstanceMessage, TurnResult } from '../../runtime/turn.js';
import type { ActivityWorkItem, OrchestrationWorkItem } from '../backend.js';
import type { Database } from './database.js';
import { ChangeSet } from './notifications.js';
import { encodeEvent, ms, summaryParams } from './rows.js';
import type { Statements } from './statements.js';

/**
 * The common writes as one statement each (sql/single-statement-writes.ts): one round trip
 * instead of BEGIN, several statements and COMMIT. Each returns what it changed (to be
 * announced once committed), or undefined when the case needs the multi-statement transaction
 * of writes.ts (reuse policy, sub-orchestration starts, history replacement, requeued events).
 */

export interface SingleStatementScope {
  readonly db: Database;
  readonly s: Statements;
}

/** Whether a turn can commit in one statement (see COMMIT_TURN). */
function fitsOneStatement(result: TurnResult): boolean {
  return (
    !result.historyReplaced &&
    result.requeue.length === 0 &&
    !result.messages.some((message) => eventOf(message.event, 'executionStarted'))
  );
}

export async function commitTurnInOneStatement(
  scope: SingleStatementScope,
  item: OrchestrationWorkItem,
  result: TurnResult,
): Promise<ChangeSet | undefined> {
  const instanceId = item.instanceId;
  if (result.instanceId !== instanceId) {
    throw new InvalidArgumentError(
      `A turn of '${result.instanceId}' cannot commit the work item of '${instanceId}'.`,
    );
  }
  if (!fitsOneStatement(result)) return undefined;

  // Timers and messages to this instance need no lock on it (this statement holds the lease);
  // messages to others do. Each list keeps its order, so each inbox receives events in order.
  const toSelf: InstanceMessage[] = [];
  const toOthers: InstanceMessage[] = [];
  for (const timer of result.timers) {
    const message = { targetInstanceId: timer.instanceId, event: timer.event, visibleAt: timer.fireAt };
    (timer.instanceId === instanceId ? toSelf : toOthers).push(message);
  }
  for (const message of result.messages) {
    (message.targetInstanceId === instanceId ? toSelf : toOthers).push(message);
  }

  const summary = result.summary;
  const { rows } = await scope.db.write<{ orchestration_work: boolean }>(scope.s.COMMIT_TURN, [
    instanceId,
    item.lockToken,
    ...summaryParams(summary),
    result.historyEvents.map(encodeEvent),
    item.inboxIds,
    result.activities.map((task) => task.instanceId),
    result.activities.map((task) => task.executionId),
    result.activities.map((task) => task.taskId),
    result.activities.map((task) => encodeEvent(task.event)),
    toSelf.map((message) => encodeEvent(message.event)),
    toSelf.map((message) => visibleAtParam(message)),
    toOthers.map((message) => message.targetInstanceId),
    toOthers.map((message) => encodeEvent(message.event)),
    toOthers.map((message) => visibleAtParam(message)),
    toSelf.length > 0,
  ]);
  const outcome = rows[0];
  if (!outcome) throw new LockLostError(`orchestration '${instanceId}'`);
  const changes = new ChangeSet();
  changes.instanceUpdated(instanceId, result.summary.status);
  changes.activityWork = result.activities.length > 0;
  changes.orchestrationWork = outcome.orchestration_work;
  return changes;
}

function visibleAtParam(message: InstanceMessage): number | null {
  return message.visibleAt !== undefined ? ms(message.visibleAt) : null;
}

/** Completes a leased activity task (see COMPLETE_TASK); throws LockLostError when lost. */
export async function completeTaskInOneStatement(
  scope: SingleStatementScope,
  item: ActivityWorkItem,
  result: HistoryEvent,
): Promise<ChangeSet> {
  const { rows } = await scope.db.write<{ completed: number; delivered: number }>(scope.s.COMPLETE_TASK, [
    item.id,
    item.lockToken,
    item.instanceId,
    item.executionId,
    encodeEvent(result),
  ]);
  const outcome = rows[0];
  if (!outcome || outcome.completed === 0) {
    throw new LockLostError(`activity task ${item.taskId} of '${item.instanceId}'`);
  }
  const changes = new ChangeSet();
  changes.orchestrationWork = outcome.delivered > 0;
  return changes;
}

/**
 * Creates a new instance from its ExecutionStarted event. Undefined when the id exists (or the
 * event is malformed): the caller then runs the transaction that applies the reuse policy.
 */
export async function createInstanceInOneStatement(
  scope: SingleStatementScope,
  startEvent: HistoryEvent,
): Promise<ChangeSet | undefined> {
  const started = eventOf(startEvent, 'executionStarted');
  const instanceId = started?.orchestrationInstance?.instanceId;
  const executionId = started?.orchestrationInstance?.executionId;
  if (!started || !instanceId || !executionId) return undefined;
  // Clients always send scheduledStartTimestamp; epoch 0 means "start now".
  const scheduledAt = started.scheduledStartTimestamp ? ms(timestampMs(started.scheduledStartTimestamp)) : 0;
  const { rows } = await scope.db.write<{ created: number }>(scope.s.CREATE_INSTANCE, [
    instanceId,
    started.name,
    started.version ?? null,
    executionId,
    OrchestrationStatus.PENDING,
    scheduledAt > 0 ? scheduledAt : null,
    started.input ?? null,
    started.parentInstance?.orchestrationInstance?.instanceId ?? null,
    JSON.stringify(started.tags),
    encodeEvent(startEvent),
    scheduledAt > 0 ? scheduledAt : null,
  ]);
  if (rows[0]?.created !== 1) return undefined;
  const changes = new ChangeSet();
  changes.orchestrationWork = true;
  changes.instanceUpdated(instanceId, OrchestrationStatus.PENDING);
  return changes;
}

/** Adds an event to an existing instance's inbox; false when there is no such instance. */
export async function addEventInOneStatement(
  scope: SingleStatementScope,
  instanceId: string,
  event: HistoryEvent,
  visibleAt: number | undefined,
): Promise<ChangeSet | false> {
  const { rowCount } = await scope.db.write(scope.s.INSERT_INBOX_IF_INSTANCE, [
    instanceId,
    encodeEvent(event),
    visibleAt !== undefined ? ms(visibleAt) : null,
  ]);
  if (rowCount === 0) return false;
  if (event.eventType.case === 'executionTerminated') {
    await scope.db.write(scope.s.START_PENDING_NOW, [instanceId, OrchestrationStatus.PENDING]);
  }
  const changes = new ChangeSet();
  changes.orchestrationWork = true;
  return changes;
}
