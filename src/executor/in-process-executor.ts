import type { Logger } from '../logging/logger.js';
import type {
  ActivityRequest,
  ActivityResponse,
  OrchestratorRequest,
  OrchestratorResponse,
} from '../proto/orchestrator_service_pb.js';
import { runActivity } from '../sdk/run-activity.js';
import { replayOrchestration } from '../sdk/replay.js';
import type { ActivityLookup, OrchestratorLookup } from '../sdk/index.js';
import type { Executor } from './executor.js';

export interface InProcessExecutorOptions {
  /** Receives orchestrator `ctx.log` records and replay diagnostics. Default: silent. */
  readonly logger?: Logger;
}

/**
 * Runs orchestrators and activities registered in this process (the embedded mode). Failures
 * of user code, unknown names included, come back as FAILED completions or failure details;
 * the promise rejects only when `signal` aborts.
 */
export class InProcessExecutor implements Executor {
  readonly #registry: OrchestratorLookup & ActivityLookup;
  readonly #logger: Logger | undefined;

  constructor(registry: OrchestratorLookup & ActivityLookup, options: InProcessExecutorOptions = {}) {
    this.#registry = registry;
    this.#logger = options.logger;
  }

  async executeOrchestrator(
    request: OrchestratorRequest,
    signal?: AbortSignal,
  ): Promise<OrchestratorResponse> {
    signal?.throwIfAborted();
    const response = await replayOrchestration(
      this.#registry,
      {
        instanceId: request.instanceId,
        executionId: request.executionId,
        pastEvents: request.pastEvents,
        newEvents: request.newEvents,
      },
      this.#logger ? { logger: this.#logger } : {},
    );
    signal?.throwIfAborted();
    return response;
  }

  async executeActivity(request: ActivityRequest, signal?: AbortSignal): Promise<ActivityResponse> {
    // Without a caller's signal the activity still gets one of its own (never aborted).
    if (!signal) return runActivity(this.#registry, request, new AbortController().signal);
    signal.throwIfAborted();
    // The activity sees the caller's signal itself: it aborts when the caller's does, with the
    // same reason, without a controller and listener of our own per activity.
    const run = runActivity(this.#registry, request, signal);
    // The activity may ignore its signal: the caller is released at once all the same.
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([run, aborted]);
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }
}
