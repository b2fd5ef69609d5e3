import { timestampMs } from '@bufbuild/protobuf/wkt';
import {
  DuplicateInstanceError,
  InvalidArgumentError,
  LockLostError,
  isDurableTaskError,
} from '../../api/errors.js';
import { OrchestrationStatus, statusName } from '../../api/status.js';
import type { HistoryEvent } from '../../proto/orchestrator_service_pb.js';
import { eventOf } from '../../runtime/history-events.js';
import type { InstanceMessage, TurnResult } from '../../runtime/turn.js';
import type { CreateInstanceOptions, OrchestrationWorkItem } from '../backend.js';
import {
  duplicateSubOrchestrationFailure,
  replaceableStatusesOf,
  startedInstanceOf,
} from '../shared/start-events.js';
import type { ChangeSet } from './notifier.js';
import { takeEventBytes } from './event-bytes.js';
import { encodeEvent, encodeFailure } from './rows.js';
import type { Statements } from './statements.js';

/**
 * The multi-statement writes, as plain functions over prepared statements. Callers run them
 * inside one `db.transaction`; every function records what it changed in a ChangeSet so
 * notifications go out only after the transaction commits.
 */

/** Deletes an instance with its history, inbox and tasks. */
export function deleteInstanceRows(s: Statements, instanceId: string, changes: ChangeSet): void {
  s.deleteHistoryOf.run(instanceId);
  s.deleteInboxOf.run(instanceId);
  s.deleteTasksOf.run(instanceId);
  s.deleteInstance.run(instanceId);
  changes.updatedInstances.set(instanceId, undefined);
}

/** Inserts a PENDING instance and its ExecutionStarted inbox event; handles the reuse policy. */
export function createInstanceRows(
  s: Statements,
  startEvent: HistoryEvent,
  now: number,
  options: CreateInstanceOptions | undefined,
  changes: ChangeSet,
): void {
  const { started, instanceId, executionId } = startedInstanceOf(startEvent);

  const existing = s.selectInstanceHead.get(instanceId);
  if (existing) {
    if (!replaceableStatusesOf(options).includes(existing.status)) {
      throw new DuplicateInstanceError(instanceId, statusName(existing.status));
    }
    deleteInstanceRows(s, instanceId, changes);
  }

  // Clients always send scheduledStartTimestamp; epoch 0 means "start now".
  const scheduledAt = started.scheduledStartTimestamp ? timestampMs(started.scheduledStartTimestamp) : 0;
  s.insertInstance.run({
    id: instanceId,
    name: started.name,
    version: started.version ?? null,
    executionId,
    status: OrchestrationStatus.PENDING,
    now,
    scheduledStartAt: scheduledAt > 0 ? scheduledAt : null,
    input: started.input ?? null,
    parentInstanceId: started.parentInstance?.orchestrationInstance?.instanceId ?? null,
    tags: JSON.stringify(started.tags),
  });
  s.insertInbox.run(instanceId, encodeEvent(startEvent), scheduledAt > 0 ? scheduledAt : now);
  changes.updatedInstances.set(instanceId, OrchestrationStatus.PENDING);
  changes.orchestrationWork = true;
}

/** Throws LockLostError unless `item` still holds a live lease on its instance. */
export function assertOrchestrationLease(s: Statements, item: OrchestrationWorkItem, now: number): void {
  const lock = s.selectLock.get(item.instanceId);
  if (!lock || lock.lock_token !== item.lockToken || lock.locked_until === null || lock.locked_until <= now) {
    throw new LockLostError(`orchestration '${item.instanceId}'`);
  }
}

/** The JSON array of inbox row ids a work item consumed (bound to `json_each`). */
export function inboxIdsJson(item: OrchestrationWorkItem): string {
  return JSON.stringify(item.inboxIds.map(Number));
}

export function commitTurn(
  s: Statements,
  item: OrchestrationWorkItem,
  result: TurnResult,
  now: number,
  changes: ChangeSet,
): void {
  const instanceId = item.instanceId;
  if (result.instanceId !== instanceId) {
    throw new InvalidArgumentError(
      `A turn of '${result.instanceId}' cannot commit the work item of '${instanceId}'.`,
    );
  }
  assertOrchestrationLease(s, item, now);

  let seq = 0;
  if (result.historyReplaced) s.deleteHistoryOf.run(instanceId);
  else seq = s.nextHistorySeq.get(instanceId)?.next ?? 0;
  // A scheduled activity's task event is the same object as its TaskScheduled history event:
  // encode it once (encoding dominates a fan-out's commit).
  const encodedHistory = new Map<HistoryEvent, Uint8Array>();
  for (const event of result.historyEvents) {
    const bytes = takeEventBytes(event);
    encodedHistory.set(event, bytes);
    s.insertHistory.run(instanceId, seq++, bytes);
  }

  const summary = result.summary;
  s.updateInstanceFromTurn.run({
    id: instanceId,
    name: summary.name,
    version: summary.version ?? null,
    executionId: summary.executionId,
    status: summary.status,
    input: summary.input ?? null,
    output: summary.output ?? null,
    customStatus: summary.customStatus ?? null,
    failureDetails: encodeFailure(summary.failureDetails),
    startedAt: summary.startedAt ?? null,
    completedAt: summary.completedAt ?? null,
    parentInstanceId: summary.parentInstanceId ?? null,
    tags: JSON.stringify(summary.tags),
    // The lease's token names the history this commit leaves (see nextHistoryVersion).
    historyVersion: item.lockToken,
    now,
  });
  changes.updatedInstances.set(instanceId, summary.status);
  s.deleteInboxByIds.run(instanceId, inboxIdsJson(item));

  for (const task of result.activities) {
    const bytes = encodedHistory.get(task.event) ?? encodeEvent(task.event);
    s.insertTask.run(task.instanceId, task.executionId, task.taskId, bytes, now);
    changes.activityWork = true;
  }
  // Durable timers: a TimerFired visible at its due time (see runtime/durable-timers.ts).
  for (const timer of result.timers) {
    s.insertInbox.run(timer.instanceId, encodeEvent(timer.event), timer.fireAt);
    changes.orchestrationWork = true;
  }
  for (const message of result.messages) deliverMessage(s, instanceId, message, now, changes);
  if (result.requeue.length > 0) {
    requeueAhead(s, instanceId, result.requeue, now);
    changes.orchestrationWork = true;
  }
  // Events that arrived during the turn are leasable again now that the lease is released.
  if (s.hasVisibleInbox.get(instanceId, now)) changes.orchestrationWork = true;
}

/**
 * Puts events back into an instance's inbox (continue-as-new carry-over, unprocessed events)
 * ahead of every event still there, in order: those were consumed in this turn or earlier ones,
 * so everything left in the inbox arrived after them. The rows left are moved behind (new ids,
 * same visibility), however many there are.
 */
function requeueAhead(s: Statements, instanceId: string, events: readonly HistoryEvent[], now: number): void {
  const later = s.selectInboxOf.all(instanceId);
  s.deleteInboxOf.run(instanceId);
  for (const event of events) s.insertInbox.run(instanceId, encodeEvent(event), now);
  for (const row of later) s.insertInboxRow.run(instanceId, row.event, row.visible_at, row.lease_count);
}

function deliverMessage(
  s: Statements,
  senderId: string,
  message: InstanceMessage,
  now: number,
  changes: ChangeSet,
): void {
  const started = eventOf(message.event, 'executionStarted');
  if (!started) {
    // A message to an instance that does not exist is dropped, as the Go engine does.
    if (!s.selectInstanceHead.get(message.targetInstanceId)) return;
    s.insertInbox.run(message.targetInstanceId, encodeEvent(message.event), message.visibleAt ?? now);
    changes.orchestrationWork = true;
    return;
  }
  try {
    createInstanceRows(s, message.event, now, undefined, changes);
  } catch (err) {
    if (!isDurableTaskError(err, 'DUPLICATE_INSTANCE')) throw err;
    const { parentId, event } = duplicateSubOrchestrationFailure(started, senderId, err.message, now);
    s.insertInbox.run(parentId, encodeEvent(event), now);
    changes.orchestrationWork = true;
  }
}
