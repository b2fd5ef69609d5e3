import type { ScheduleSpec } from './schedule-spec.js';

/** The orchestration that runs every schedule, one instance per schedule. */
export const SCHEDULE_ORCHESTRATOR = 'durabletask.schedule';
/** The activity a schedule calls to start one run (idempotent: the run id derives from the tick). */
export const START_RUN_ACTIVITY = 'durabletask.schedule.startRun';
/** The event that carries commands (pause, resume, trigger, update) to a schedule. */
export const SCHEDULE_COMMAND_EVENT = 'durabletask.schedule.command';
/** Every schedule instance id starts with this; the rest is the schedule id. */
export const SCHEDULE_INSTANCE_PREFIX = 'durabletask.schedule:';
/** The tag each run carries, naming its schedule. */
export const SCHEDULE_TAG = 'durabletask.schedule';

export interface ScheduleCounts {
  /** Runs started. */
  readonly started: number;
  /** Ticks that started nothing because the last run was still running. */
  readonly skipped: number;
  /** Ticks that passed while no engine ran, older than the catch-up window. */
  readonly missed: number;
}

/** What a schedule carries from one generation to the next (its continue-as-new input). */
export interface ScheduleState {
  readonly id: string;
  readonly spec: ScheduleSpec;
  readonly createdAt: number;
  readonly paused: boolean;
  /** The last tick handled: started, skipped or missed. */
  readonly lastTickAt?: number;
  readonly lastRunId?: string;
  readonly lastRunAt?: number;
  /** A tick held back by the `buffer-one` policy until the last run ends. */
  readonly bufferedTickAt?: number;
  readonly counts: ScheduleCounts;
}

export type ScheduleCommand =
  | { readonly kind: 'pause' }
  | { readonly kind: 'resume' }
  | { readonly kind: 'trigger' }
  | { readonly kind: 'update'; readonly spec: ScheduleSpec };

/** What a client reads of a schedule (its custom status). */
export interface ScheduleInfo extends ScheduleState {
  readonly state: 'active' | 'paused' | 'completed';
  /** The next tick, when there is one and the schedule is not paused. */
  readonly nextRunAt?: number;
}

export interface StartRunRequest {
  readonly scheduleId: string;
  readonly runId: string;
  readonly orchestration: string;
  readonly input?: unknown;
  readonly version?: string;
  /** Start even while the last run is running (`allow-all`, or a manual trigger). */
  readonly overlap: 'skip' | 'buffer-one' | 'allow-all';
  readonly lastRunId?: string;
}

/** `started`: the run exists now. `skipped`/`buffered`: the last run is still running. */
export type StartRunOutcome = 'started' | 'skipped' | 'buffered';

export function scheduleInstanceId(scheduleId: string): string {
  return `${SCHEDULE_INSTANCE_PREFIX}${scheduleId}`;
}

/** A tick's run id: the schedule id and the tick time, so a tick can start one run only. */
export function runIdOf(scheduleId: string, tickAt: number, manual = false): string {
  return `${scheduleId}@${manual ? 'manual@' : ''}${new Date(tickAt).toISOString()}`;
}
