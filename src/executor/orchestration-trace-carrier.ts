import type {
  ActivityRequest,
  ActivityResponse,
  OrchestrationTraceContext,
  OrchestratorRequest,
  OrchestratorResponse,
} from '../proto/orchestrator_service_pb.js';
import type { Executor } from './executor.js';

/** Instances whose orchestration span is remembered; the oldest is forgotten beyond this. */
const DEFAULT_MAX_INSTANCES = 10_000;

/**
 * Hands a connected SDK back the orchestration span it reported on its previous turn. An SDK
 * answers each turn with `orchestrationTraceContext` (the span id and start time of the
 * orchestration's first execution) and expects it in the next OrchestratorRequest, so that
 * every turn of one instance carries the same span identity (`durabletask.task.replay_span_id`).
 * Held in memory only: after a restart, the next turn starts a fresh identity, which loses
 * correlation, never work.
 */
export class OrchestrationTraceCarrier implements Executor {
  readonly #inner: Executor;
  readonly #maxInstances: number;
  readonly #contexts = new Map<string, OrchestrationTraceContext>();

  constructor(inner: Executor, options: { readonly maxInstances?: number } = {}) {
    this.#inner = inner;
    this.#maxInstances = options.maxInstances ?? DEFAULT_MAX_INSTANCES;
  }

  async executeOrchestrator(
    request: OrchestratorRequest,
    signal?: AbortSignal,
  ): Promise<OrchestratorResponse> {
    const known = this.#contexts.get(request.instanceId);
    if (known && !request.orchestrationTraceContext) request.orchestrationTraceContext = known;
    const response = await this.#inner.executeOrchestrator(request, signal);
    this.#remember(request.instanceId, response);
    return response;
  }

  executeActivity(request: ActivityRequest, signal?: AbortSignal): Promise<ActivityResponse> {
    return this.#inner.executeActivity(request, signal);
  }

  #remember(instanceId: string, response: OrchestratorResponse): void {
    this.#contexts.delete(instanceId);
    const finished = response.actions.some((a) => a.orchestratorActionType.case === 'completeOrchestration');
    if (finished || !response.orchestrationTraceContext?.spanID) return;
    this.#contexts.set(instanceId, response.orchestrationTraceContext);
    if (this.#contexts.size > this.#maxInstances) {
      const oldest = this.#contexts.keys().next().value;
      if (oldest !== undefined) this.#contexts.delete(oldest);
    }
  }
}
