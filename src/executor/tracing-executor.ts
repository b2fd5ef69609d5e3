import type {
  ActivityRequest,
  ActivityResponse,
  OrchestratorRequest,
  OrchestratorResponse,
} from '../proto/orchestrator_service_pb.js';
import { endActivitySpan, startActivitySpan } from '../tracing/activity-spans.js';
import { OrchestrationTurnSpan } from '../tracing/orchestration-spans.js';
import type { Executor } from './executor.js';

/**
 * Wraps the executor that runs user code in this process with the spans the Durable Task SDKs
 * make (through `@opentelemetry/api`: without a registered tracer provider they record nothing).
 * The gRPC executor is not wrapped: a connected SDK makes these spans itself.
 */
export class TracingExecutor implements Executor {
  readonly #inner: Executor;

  constructor(inner: Executor) {
    this.#inner = inner;
  }

  async executeOrchestrator(
    request: OrchestratorRequest,
    signal?: AbortSignal,
  ): Promise<OrchestratorResponse> {
    const span = OrchestrationTurnSpan.start(request);
    let response: OrchestratorResponse;
    try {
      response = await this.#inner.executeOrchestrator(request, signal);
    } catch (err) {
      span?.fail(err);
      throw err;
    }
    span?.finish(response);
    return response;
  }

  async executeActivity(request: ActivityRequest, signal?: AbortSignal): Promise<ActivityResponse> {
    const span = startActivitySpan(request);
    try {
      const response = await this.#inner.executeActivity(request, signal);
      endActivitySpan(span, response);
      return response;
    } catch (err) {
      endActivitySpan(span, { error: err });
      throw err;
    }
  }
}
