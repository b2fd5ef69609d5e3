import type { ActivityLookup, OrchestratorLookup } from '../sdk/index.js';

/**
 * Looks names up in the engine's own registry first (schedules), then in the application's. Each
 * engine has its own first layer, so two engines sharing one application registry never run
 * each other's schedule activities.
 */
export function layeredLookup(
  own: OrchestratorLookup & ActivityLookup,
  app: OrchestratorLookup & ActivityLookup,
): OrchestratorLookup & ActivityLookup {
  return {
    getOrchestrator: (name) => own.getOrchestrator(name) ?? app.getOrchestrator(name),
    getActivity: (name) => own.getActivity(name) ?? app.getActivity(name),
  };
}
