import type {
  ActivityRequest,
  ActivityResponse,
  OrchestratorRequest,
  OrchestratorResponse,
} from '../proto/orchestrator_service_pb.js';
import { executionStartedOf } from '../runtime/request-start.js';
import type { Executor } from './executor.js';

/**
 * Runs the engine's own orchestrations and activities (those `isOwn` names, such as schedules)
 * on `own`, in this process, and everything else on `other` (in a sidecar, the connected SDKs).
 */
export class OwnTaskRouter implements Executor {
  readonly #own: Executor;
  readonly #other: Executor;
  readonly #isOwn: (name: string) => boolean;

  constructor(own: Executor, other: Executor, isOwn: (name: string) => boolean) {
    this.#own = own;
    this.#other = other;
    this.#isOwn = isOwn;
  }

  executeOrchestrator(request: OrchestratorRequest, signal?: AbortSignal): Promise<OrchestratorResponse> {
    const name = executionStartedOf(request)?.name;
    const target = name !== undefined && this.#isOwn(name) ? this.#own : this.#other;
    return target.executeOrchestrator(request, signal);
  }

  executeActivity(request: ActivityRequest, signal?: AbortSignal): Promise<ActivityResponse> {
    return (this.#isOwn(request.name) ? this.#own : this.#other).executeActivity(request, signal);
  }
}
