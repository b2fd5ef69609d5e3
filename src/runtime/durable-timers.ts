import { timestampMs, type Timestamp } from '@bufbuild/protobuf/wkt';
import type { HistoryEvent } from '../proto/orchestrator_service_pb.js';
import { eventOf, timerCreatedEvent, timerFiredEvent } from './history-events.js';

/**
 * Durable timers, from the orchestration's `createTimer` to the TimerFired it replays. A timer is
 * no separate table: it is an inbox event that becomes visible at its due time.
 *
 * 1. Scheduled (this module, called from `apply-actions.ts`): a `createTimer` action records
 *    TimerCreated in history (event id = the action id) and adds a `TimerTask` to the turn's
 *    result: the TimerFired event for the instance's own inbox and its `fireAt`.
 * 2. Stored (the backend's commit of the turn, in the same transaction as the history): the
 *    TimerFired goes into `inbox` with `visible_at = fireAt`: SQLite `backend/sqlite/writes.ts`
 *    (`commitTurn`), PostgreSQL `backend/postgres/writes.ts` (`commitTurn`, in a transaction) and
 *    `backend/postgres/single-statement-writes.ts` (the one-statement commit).
 * 3. Woken (the worker): after a fetch that found less work than it asked for, the work loop
 *    (`worker/work-loop/handler.ts`, `#queryNextDueTime` → `NextDueKnown`) asks the backend for
 *    `nextDueTime()` (the earliest `visible_at` still in the future) and arms one wake-up timer on
 *    its `Clock` for it, capped by the safety-net poll. Across PostgreSQL processes, whoever
 *    commits a turn with a timer also wakes the others (LISTEN/NOTIFY), so each re-reads the due time.
 * 4. Fired (the next turn): once visible, the TimerFired is leased with the instance's other inbox
 *    events; `runtime-state.ts` counts it as the resolution of timer `timerId` (a second one is
 *    dropped), and the SDK's replay (`sdk/replay.ts`, `#timerFired`) completes
 *    the orchestration's timer task.
 *
 * Rewind re-arms every timer that had not fired (`rewind.ts`, through `rearmPendingTimers`),
 * since its TimerFired may have been dropped with the failed execution.
 */

/** A durable timer: `event` (a TimerFired) enters this instance's inbox at `fireAt` (epoch ms). */
export interface TimerTask {
  readonly instanceId: string;
  readonly fireAt: number;
  readonly event: HistoryEvent;
}

/** When a timer fires: its requested time, or `now` when none was given. */
export function timerFireAt(fireAt: Timestamp | undefined, now: number): number {
  return fireAt ? timestampMs(fireAt) : now;
}

/** The TimerFired delivery for timer `timerId` of `instanceId`, due (and stamped) at `fireAt`. */
export function timerTask(instanceId: string, timerId: number, fireAt: number): TimerTask {
  return { instanceId, fireAt, event: timerFiredEvent(timerId, fireAt, fireAt) };
}

/** Step 1: the history event and the timer task of a `createTimer` action. */
export function scheduleTimer(
  instanceId: string,
  timerId: number,
  fireAt: Timestamp | undefined,
  now: number,
): { readonly created: HistoryEvent; readonly task: TimerTask } {
  const at = timerFireAt(fireAt, now);
  return { created: timerCreatedEvent(timerId, at, now), task: timerTask(instanceId, timerId, at) };
}

/** The timer tasks that deliver again each TimerCreated in `pending` (timers not yet fired). */
export function rearmPendingTimers(
  instanceId: string,
  pending: readonly HistoryEvent[],
  now: number,
): TimerTask[] {
  return pending.map((event) =>
    timerTask(instanceId, event.eventId, timerFireAt(eventOf(event, 'timerCreated')?.fireAt, now)),
  );
}
