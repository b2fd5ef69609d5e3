import { timestampMs } from '@bufbuild/protobuf/wkt';
import {
  DuplicateInstanceError,
  InvalidArgumentError,
  LockLostError,
  isDurableTaskError,
} from '../../api/errors.js';
import { isTerminalStatus, OrchestrationStatus, statusName } from '../../api/status.js';
import type { HistoryEvent } from '../../proto/orchestrator_service_pb.js';
import { eventOf } from '../../runtime/history-events.js';
import type { InstanceMessage, TurnResult } from '../../runtime/turn.js';
import type { CreateInstanceOptions, OrchestrationWorkItem } from '../backend.js';
import {
  duplicateSubOrchestrationFailure,
  replaceableStatusesOf,
  startedInstanceOf,
} from '../shared/start-events.js';
import type { Queryable } from './database.js';
import type { ChangeSet } from './notifications.js';
import { encodeEvent, ms, summaryParams, type InstanceHeadRow, type LockRow } from './rows.js';
import type { Statements } from './statements.js';

/**
 * The multi-statement writes, as functions over one transaction. Each records what it changed in
 * a ChangeSet, announced after the commit. Domain failures are thrown as typed errors; the caller rolls the transaction back.
 */

export interface WriteScope {
  readonly tx: Queryable;
  readonly s: Statements;
  readonly changes: ChangeSet;
}

/** Inserts a PENDING instance and its ExecutionStarted inbox event; applies the reuse policy. */
export async function createInstanceRows(
  w: WriteScope,
  startEvent: HistoryEvent,
  options: CreateInstanceOptions | undefined,
): Promise<void> {
  const { started, instanceId, executionId } = startedInstanceOf(startEvent);

  // Clients always send scheduledStartTimestamp; epoch 0 means "start now".
  const scheduledAt = started.scheduledStartTimestamp ? ms(timestampMs(started.scheduledStartTimestamp)) : 0;
  const insertInstance = (): Promise<{ rowCount: number }> =>
    w.tx.query(w.s.INSERT_INSTANCE, [
      instanceId,
      started.name,
      started.version ?? null,
      executionId,
      OrchestrationStatus.PENDING,
      scheduledAt > 0 ? scheduledAt : null,
      started.input ?? null,
      started.parentInstance?.orchestrationInstance?.instanceId ?? null,
      JSON.stringify(started.tags),
    ]);

  if ((await insertInstance()).rowCount === 0) {
    const replaceable = replaceableStatusesOf(options);
    const headOf = async (statement: Statements[keyof Statements]): Promise<InstanceHeadRow | undefined> =>
      (await w.tx.query<InstanceHeadRow>(statement, [instanceId])).rows[0];
    // A plain duplicate check must not wait on the row lock of a commit in progress; only a
    // replacement locks the row, and then reads its status again (a commit may have changed it).
    const head = await headOf(w.s.SELECT_INSTANCE_HEAD);
    if (head && !replaceable.includes(head.status)) {
      throw new DuplicateInstanceError(instanceId, statusName(head.status));
    }
    const locked = head ? await headOf(w.s.LOCK_INSTANCE_HEAD) : undefined;
    if (locked && !replaceable.includes(locked.status)) {
      throw new DuplicateInstanceError(instanceId, statusName(locked.status));
    }
    if (locked) {
      await w.tx.query(w.s.DELETE_INSTANCE, [instanceId]);
      w.changes.instanceUpdated(instanceId);
    }
    // Absent head: deleted since the insert looked; either way the id is free now unless a
    // concurrent creator took it.
    if ((await insertInstance()).rowCount === 0) throw new DuplicateInstanceError(instanceId);
  }
  await w.tx.query(w.s.INSERT_INBOX_IF_INSTANCE, [
    instanceId,
    encodeEvent(startEvent),
    scheduledAt > 0 ? scheduledAt : null,
  ]);
  w.changes.instanceUpdated(instanceId, OrchestrationStatus.PENDING);
  w.changes.orchestrationWork = true;
}

/**
 * Locks the instance and checks the lease of `item`; returns the commit's time. Throws
 * LockLostError when another lease replaced it or it expired.
 */
async function lockForCommit(w: WriteScope, item: OrchestrationWorkItem): Promise<number> {
  const lock = (await w.tx.query<LockRow>(w.s.LOCK_INSTANCE_FOR_COMMIT, [item.instanceId])).rows[0];
  if (
    !lock ||
    lock.lock_token !== item.lockToken ||
    lock.locked_until === null ||
    lock.locked_until <= lock.now
  ) {
    throw new LockLostError(`orchestration '${item.instanceId}'`);
  }
  return lock.now;
}

export async function commitTurn(
  w: WriteScope,
  item: OrchestrationWorkItem,
  result: TurnResult,
): Promise<void> {
  const { tx, s, changes } = w;
  const instanceId = item.instanceId;
  if (result.instanceId !== instanceId) {
    throw new InvalidArgumentError(
      `A turn of '${result.instanceId}' cannot commit the work item of '${instanceId}'.`,
    );
  }
  const now = await lockForCommit(w, item);

  if (result.historyReplaced) await tx.query(s.DELETE_HISTORY, [instanceId]);
  if (result.historyEvents.length > 0) {
    await tx.query(s.APPEND_HISTORY, [instanceId, result.historyEvents.map(encodeEvent)]);
  }

  const summary = result.summary;
  await tx.query(s.UPDATE_INSTANCE_FROM_TURN, [instanceId, ...summaryParams(summary), item.lockToken]);
  changes.instanceUpdated(instanceId, summary.status);
  await tx.query(s.DELETE_INBOX_BY_IDS, [instanceId, item.inboxIds]);

  if (result.activities.length > 0) {
    await tx.query(s.INSERT_TASKS, [
      result.activities.map((task) => task.instanceId),
      result.activities.map((task) => task.executionId),
      result.activities.map((task) => task.taskId),
      result.activities.map((task) => encodeEvent(task.event)),
    ]);
    changes.activityWork = true;
  }
  // Durable timers: a TimerFired visible at its due time (see runtime/durable-timers.ts).
  if (result.timers.length > 0) {
    await insertInboxBatch(
      w,
      result.timers.map((timer) => ({
        targetInstanceId: timer.instanceId,
        event: timer.event,
        visibleAt: timer.fireAt,
      })),
    );
    changes.orchestrationWork = true;
  }
  await deliverMessages(w, instanceId, result.messages, now);
  if (result.requeue.length > 0) {
    await requeue(w, item, result.requeue);
    changes.orchestrationWork = true;
  }
  // Events that arrived during the turn are leasable again now that the lease is released.
  const visible = (await tx.query<{ found: boolean }>(s.HAS_VISIBLE_INBOX, [instanceId])).rows[0];
  if (visible?.found) changes.orchestrationWork = true;
}

/**
 * Puts events back into the instance's inbox (continue-as-new carry-over, unprocessed events)
 * ahead of every event still there, in order: those were consumed in this turn or earlier ones,
 * so everything left arrived after them and is moved behind (new ids, same visibility). The
 * instance is locked against new inbox rows first, so none slips in between with an id lower
 * than the requeued ones. (Two such commits that message each other may deadlock; PostgreSQL
 * aborts one and the commit is retried.)
 */
async function requeue(
  w: WriteScope,
  item: OrchestrationWorkItem,
  events: readonly HistoryEvent[],
): Promise<void> {
  const { tx, s } = w;
  await tx.query(s.LOCK_INSTANCE_INBOX, [item.instanceId]);
  const later = (
    await tx.query<{ event: Uint8Array; visible_at: number; lease_count: number }>(s.TAKE_INBOX_OF, [
      item.instanceId,
    ])
  ).rows;
  await insertInboxBatch(
    w,
    events.map((event) => ({ targetInstanceId: item.instanceId, event })),
  );
  if (later.length > 0) {
    await tx.query(s.INSERT_INBOX_ROWS, [
      item.instanceId,
      later.map((row) => row.event),
      later.map((row) => row.visible_at),
      later.map((row) => row.lease_count),
    ]);
  }
}

/** Adds events in order; those for instances that do not exist are dropped. Returns how many landed. */
async function insertInboxBatch(w: WriteScope, messages: readonly InstanceMessage[]): Promise<number> {
  if (messages.length === 0) return 0;
  const result = await w.tx.query(w.s.INSERT_INBOX_BATCH, [
    messages.map((message) => message.targetInstanceId),
    messages.map((message) => encodeEvent(message.event)),
    messages.map((message) => (message.visibleAt !== undefined ? ms(message.visibleAt) : null)),
  ]);
  return result.rowCount;
}

/**
 * Delivers a turn's messages in order: runs of events are inserted together (a message to an
 * instance that does not exist is dropped, as the Go engine does); a start message creates the
 * sub-orchestration, and when its id is taken the parent gets SubOrchestrationInstanceFailed.
 */
async function deliverMessages(
  w: WriteScope,
  senderId: string,
  messages: readonly InstanceMessage[],
  now: number,
): Promise<void> {
  let run: InstanceMessage[] = [];
  const flush = async (): Promise<void> => {
    if ((await insertInboxBatch(w, run)) > 0) w.changes.orchestrationWork = true;
    run = [];
  };
  for (const message of messages) {
    const started = eventOf(message.event, 'executionStarted');
    if (!started) {
      run.push(message);
      continue;
    }
    await flush();
    try {
      await createInstanceRows(w, message.event, undefined);
    } catch (err) {
      if (!isDurableTaskError(err, 'DUPLICATE_INSTANCE')) throw err;
      const { parentId, event } = duplicateSubOrchestrationFailure(started, senderId, err.message, now);
      await w.tx.query(w.s.INSERT_INBOX_IF_INSTANCE, [parentId, encodeEvent(event), null]);
      w.changes.orchestrationWork = true;
    }
  }
  await flush();
}

/**
 * Deletes an instance and, when recursive, its terminal sub-orchestrations (a child still running
 * is left alone with its own subtree). `seen` guards against a cycle of parent ids.
 */
export async function purgeTree(
  w: WriteScope,
  instanceId: string,
  recursive: boolean,
  seen: Set<string>,
): Promise<number> {
  seen.add(instanceId);
  let count = 0;
  if (recursive) {
    const { rows } = await w.tx.query<{ id: string; status: number }>(w.s.SELECT_CHILDREN, [instanceId]);
    for (const child of rows) {
      if (seen.has(child.id) || !isTerminalStatus(child.status)) continue;
      count += await purgeTree(w, child.id, true, seen);
    }
  }
  await w.tx.query(w.s.DELETE_INSTANCE, [instanceId]);
  w.changes.instanceUpdated(instanceId);
  return count + 1;
}
