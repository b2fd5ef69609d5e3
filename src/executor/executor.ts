import type {
  ActivityRequest,
  ActivityResponse,
  OrchestratorRequest,
  OrchestratorResponse,
} from '../proto/orchestrator_service_pb.js';

/**
 * Runs user code for one orchestration turn or one activity. The in-process executor runs the
 * TypeScript SDK; the gRPC executor hands the work to a connected SDK over a GetWorkItems stream.
 * `signal` aborts the wait (shutdown, lost lease): the promise then rejects.
 */
export interface Executor {
  executeOrchestrator(request: OrchestratorRequest, signal?: AbortSignal): Promise<OrchestratorResponse>;
  executeActivity(request: ActivityRequest, signal?: AbortSignal): Promise<ActivityResponse>;
}
