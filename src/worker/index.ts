export {
  TaskHubWorker,
  WORKER_DEFAULTS,
  compileWorkerOptions,
  type CompiledWorkerOptions,
  type TaskHubWorkerOptions,
} from './task-hub-worker.js';
export { createOrchestrationTurnRunner, type OrchestrationTurnDeps } from './orchestration-turn.js';
export {
  activityRequestFor,
  activityResultEvent,
  createActivityRunner,
  type ActivityRunnerDeps,
} from './activity-task.js';
export {
  WorkLoopHandler,
  type WorkLoopConfig,
  type WorkLoopDeps,
  type WorkLoopSnapshot,
} from './work-loop/handler.js';
export type { WorkLoopEvent, WorkOutcome } from './work-loop/events.js';
export type { LeasedWorkItem, WorkSource } from './work-loop/work-source.js';
