import type { TaskHubClient } from '../client/task-hub-client.js';
import type { Registry } from '../sdk/registry.js';
import { scheduleOrchestrator } from './schedule-orchestrator.js';
import { SCHEDULE_ORCHESTRATOR, START_RUN_ACTIVITY } from './schedule-state.js';
import { startRunActivity } from './start-run-activity.js';

/** Registers what runs schedules: their orchestrator, and the activity that starts runs with `client`. */
export function registerScheduleTasks(registry: Registry, client: TaskHubClient): Registry {
  return registry
    .addNamedOrchestrator(SCHEDULE_ORCHESTRATOR, scheduleOrchestrator)
    .addNamedActivity(START_RUN_ACTIVITY, startRunActivity(client));
}

/** Whether `name` is one of the engine's own orchestrations or activities (run in process). */
export function isScheduleTask(name: string): boolean {
  return name === SCHEDULE_ORCHESTRATOR || name === START_RUN_ACTIVITY;
}
