export type { Activity, ActivityContext, ActivityInput, ActivityOutput, AnyActivity } from './activity.js';
export { ActivityNotRegisteredError, type ActivityLookup } from './run-activity.js';
export { whenAll, whenAny, WhenAllTask, WhenAnyTask, type TaskResult } from './composite-tasks.js';
export type {
  OrchestrationContext,
  ParentOrchestration,
  SubOrchestrationOptions,
  TaskCallOptions,
  WaitForExternalEventOptions,
} from './context.js';
export { deterministicGuid } from './guid.js';
export { OrchestratorNotRegisteredError, type OrchestratorLookup } from './replay.js';
export type {
  AnyOrchestrator,
  AsyncOrchestratorGenerator,
  Orchestrator,
  OrchestratorGenerator,
  OrchestratorInput,
  OrchestratorOutput,
} from './orchestrator.js';
export { Registry } from './registry.js';
export { nextRetryDelayMs, validateRetryPolicy, type RetryPolicy } from './retry.js';
export { Task, TimerTask } from './tasks.js';
// The errors orchestrator code catches, re-exported so orchestrators need one import.
export { TaskCancelledError, NonDeterminismError } from '../api/errors.js';
export { TaskFailedError } from '../api/failure-details.js';
