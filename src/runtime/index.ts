export * from './turn.js';
export * from './history-events.js';
export {
  OrchestrationRuntimeState,
  resolvedTaskOf,
  scheduledTaskOf,
  type RejectionReason,
  type TaskKind,
} from './runtime-state.js';
export {
  planTurn,
  type CommitPlan,
  type DroppedEvent,
  type ExecutePlan,
  type TurnInput,
  type TurnOptions,
  type TurnPlan,
} from './plan-turn.js';
export { applyResponse } from './apply-response.js';
export { defaultChildInstanceId } from './apply-actions.js';
export { newExecutionId } from './execution-id.js';
