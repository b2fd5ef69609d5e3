import type { OrchestrationContext } from '../sdk/context.js';
import type { OrchestratorGenerator } from '../sdk/orchestrator.js';
import type { Task } from '../sdk/tasks.js';
import { dueTick, nextTickAfter } from './schedule-spec.js';
import {
  runIdOf,
  SCHEDULE_COMMAND_EVENT,
  START_RUN_ACTIVITY,
  type ScheduleCommand,
  type ScheduleInfo,
  type ScheduleState,
  type StartRunOutcome,
} from './schedule-state.js';

/** How often a buffered tick checks whether the last run has ended. */
const BUFFER_POLL_MS = 1_000;

/**
 * One schedule as an eternal orchestration: each generation waits for the next tick or a command,
 * handles it, and continues as new with the updated state (so its history stays small). A tick
 * starts its run through an activity with an id derived from the tick time, so each tick starts
 * at most one run, however often the activity is retried and on however many engines. Times come
 * from the turn (`currentUtcDateTime`), so replay is deterministic.
 */
export function* scheduleOrchestrator(
  ctx: OrchestrationContext,
  input: ScheduleState,
): OrchestratorGenerator<ScheduleInfo> {
  let state = input;
  if (state.bufferedTickAt !== undefined && !state.paused) {
    state = yield* startRun(ctx, state, state.bufferedTickAt, false);
  }
  const next = state.paused
    ? undefined
    : nextTickAfter(state.spec, state.lastTickAt ?? state.createdAt, state.createdAt);
  if (next === undefined && !state.paused && state.bufferedTickAt === undefined) {
    const done = infoOf(state, undefined);
    ctx.setCustomStatus(done);
    return done;
  }
  ctx.setCustomStatus(infoOf(state, next));

  const command = ctx.waitForExternalEvent<ScheduleCommand>(SCHEDULE_COMMAND_EVENT);
  const waits: Task<unknown>[] = [command];
  const tick = next !== undefined ? ctx.createTimer(new Date(next)) : undefined;
  if (tick) waits.push(tick);
  const poll =
    state.bufferedTickAt !== undefined && !state.paused
      ? ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + BUFFER_POLL_MS))
      : undefined;
  if (poll) waits.push(poll);
  const winner = (yield ctx.whenAny(waits)) as Task<unknown>;

  if (winner === tick && next !== undefined) state = yield* onTick(ctx, state, next);
  // A command that arrived with the tick is handled too: its event has been taken from the
  // queue, so continuing as new without it would lose it.
  if (command.isComplete) state = yield* applyCommand(ctx, state, command.getResult());
  ctx.continueAsNew(state, true);
  return infoOf(state, undefined);
}

function* onTick(
  ctx: OrchestrationContext,
  state: ScheduleState,
  due: number,
): Generator<Task<unknown>, ScheduleState, unknown> {
  const tick = dueTick(state.spec, due, ctx.currentUtcDateTime.getTime(), state.createdAt);
  const counted = {
    ...state,
    lastTickAt: tick.tickAt,
    counts: { ...state.counts, missed: state.counts.missed + tick.missed },
  };
  if (!tick.runs) return counted;
  // A held-back tick is older: it starts first, and this one is then judged against it.
  const caughtUp =
    counted.bufferedTickAt !== undefined
      ? yield* startRun(ctx, counted, counted.bufferedTickAt, false)
      : counted;
  return yield* startRun(ctx, caughtUp, tick.tickAt, false);
}

function* applyCommand(
  ctx: OrchestrationContext,
  state: ScheduleState,
  command: ScheduleCommand,
): Generator<Task<unknown>, ScheduleState, unknown> {
  switch (command.kind) {
    case 'pause':
      return { ...state, paused: true };
    case 'resume':
      // Ticks that passed while paused are not run: the schedule resumes from now.
      return {
        ...state,
        paused: false,
        lastTickAt: Math.max(state.lastTickAt ?? state.createdAt, ctx.currentUtcDateTime.getTime()),
      };
    case 'trigger':
      return yield* startRun(ctx, state, ctx.currentUtcDateTime.getTime(), true);
    case 'update': {
      // The new spec counts from now; a tick held back under the old one is dropped.
      const { bufferedTickAt: _dropped, ...rest } = state;
      return { ...rest, spec: command.spec, lastTickAt: ctx.currentUtcDateTime.getTime() };
    }
  }
}

/** Starts the run of one tick (or a manual trigger) as the overlap policy allows. */
function* startRun(
  ctx: OrchestrationContext,
  state: ScheduleState,
  tickAt: number,
  manual: boolean,
): Generator<Task<unknown>, ScheduleState, unknown> {
  const runId = runIdOf(state.id, tickAt, manual);
  const outcome = (yield ctx.callActivity(START_RUN_ACTIVITY, {
    scheduleId: state.id,
    runId,
    orchestration: state.spec.orchestration,
    ...(state.spec.input !== undefined && { input: state.spec.input }),
    ...(state.spec.version !== undefined && { version: state.spec.version }),
    // An operator's trigger always runs.
    overlap: manual ? 'allow-all' : (state.spec.overlap ?? 'skip'),
    ...(state.lastRunId !== undefined && { lastRunId: state.lastRunId }),
  })) as StartRunOutcome;
  const { counts } = state;
  const { bufferedTickAt: _held, ...rest } = state;
  switch (outcome) {
    case 'started':
      return {
        ...rest,
        lastRunId: runId,
        lastRunAt: ctx.currentUtcDateTime.getTime(),
        counts: { ...counts, started: counts.started + 1 },
      };
    case 'buffered':
      // One tick waits; a tick that finds one waiting already is skipped.
      if (state.bufferedTickAt !== undefined && state.bufferedTickAt !== tickAt) {
        return { ...state, counts: { ...counts, skipped: counts.skipped + 1 } };
      }
      return { ...state, bufferedTickAt: tickAt };
    case 'skipped':
      return { ...rest, counts: { ...counts, skipped: counts.skipped + 1 } };
  }
}

function infoOf(state: ScheduleState, nextRunAt: number | undefined): ScheduleInfo {
  const done = nextRunAt === undefined && !state.paused && state.bufferedTickAt === undefined;
  return {
    ...state,
    state: state.paused ? 'paused' : done ? 'completed' : 'active',
    ...(nextRunAt !== undefined && { nextRunAt }),
  };
}
