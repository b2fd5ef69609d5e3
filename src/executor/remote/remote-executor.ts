import { randomUUID } from 'node:crypto';
import { ShutdownError } from '../../api/errors.js';
import { createReply, Loop } from '../../loop/index.js';
import type {
  ActivityRequest,
  ActivityResponse,
  HistoryEvent,
  OrchestratorRequest,
  OrchestratorResponse,
} from '../../proto/orchestrator_service_pb.js';
import type { Executor } from '../executor.js';
import type { ExecutorEvent } from './events.js';
import { ExecutorHandler, type ExecutorStats } from './handler.js';
import type { LogSink } from '../../logging/logger.js';
import type { StreamOptions } from './routing.js';
import { StreamWriter } from './stream-writer/stream-writer.js';
import { systemClock, type Clock } from '../../loop/clock.js';
import type { WorkItemSink } from './work-item-sink.js';

export interface RemoteExecutorOptions {
  /**
   * Idle time after which a stream gets a HealthPing work item. Default 30 s: under the
   * common 60 s idle cut-off of proxies and load balancers. 0 disables pings.
   */
  readonly pingIntervalMs?: number;
  /**
   * How long a work item may wait to leave for its stream (HTTP/2 flow control holding it back
   * means the worker stopped reading) before it goes to another stream. Default 15 s: a 64 MiB
   * history leaves well within it on any working link. 0 disables it.
   */
  readonly deliveryTimeoutMs?: number;
  /**
   * Most work items waiting for a stream at once; beyond it an execute is refused
   * (ExecutorOverloadedError: the caller abandons the item to the store). Default 10000.
   */
  readonly maxWaitingWorkItems?: number;
  /** Time and the ping timers; default the system clock. */
  readonly clock?: Clock;
  /** Completion token generator. Default: a random UUID per dispatch. */
  readonly newToken?: () => string;
  readonly logger?: LogSink;
  /**
   * Past events above this many encoded bytes are sent by StreamInstanceHistory to workers that
   * declare the history streaming capability. Default 1 MiB.
   */
  readonly historyStreamingThresholdBytes?: number;
}

const DEFAULT_PING_INTERVAL_MS = 30_000;
const DEFAULT_DELIVERY_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_WAITING_WORK_ITEMS = 10_000;

/** The executor's side of one connected GetWorkItems stream, handed to the transport. */
export interface StreamConnection {
  readonly streamId: string;
  /** The transport's write buffer emptied ('drain'). */
  drained(): void;
  /** The stream ended (client cancel, error, server stop). Idempotent. */
  disconnect(): void;
}

/**
 * An Executor that runs work on SDK workers connected over GetWorkItems streams. Transport-
 * agnostic: the gRPC binding (sidecar/) turns calls and streams into the methods below.
 *
 * `start()` runs the loop (call it once before use; it settles when stopped). Work asked for
 * while no worker is connected waits until one connects, the caller's signal aborts, or `stop()`
 * rejects it with ShutdownError.
 */
export class RemoteExecutor implements Executor {
  readonly #handler: ExecutorHandler;
  readonly #loop: Loop<ExecutorEvent>;
  readonly #clock: Clock;
  readonly #pingIntervalMs: number;
  readonly #deliveryTimeoutMs: number;
  readonly #writers = new Set<StreamWriter>();
  #nextItemId = 1;
  #running: Promise<void> | undefined;

  constructor(options: RemoteExecutorOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#pingIntervalMs = options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    this.#deliveryTimeoutMs = options.deliveryTimeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
    this.#handler = new ExecutorHandler({
      newToken: options.newToken ?? randomUUID,
      maxWaiting: options.maxWaitingWorkItems ?? DEFAULT_MAX_WAITING_WORK_ITEMS,
      ...(options.logger && { logger: options.logger }),
      ...(options.historyStreamingThresholdBytes !== undefined && {
        historyStreamingThresholdBytes: options.historyStreamingThresholdBytes,
      }),
    });
    this.#loop = new Loop<ExecutorEvent>(this.#handler, { name: 'remote executor' });
  }

  /** Runs the loop; idempotent. Settles once stopped (by `stop()` or by `signal`). */
  start(signal?: AbortSignal): Promise<void> {
    if (this.#running === undefined) {
      this.#running = this.#loop.run().finally(() => {
        // Also after an abnormal end: every item still held is answered.
        this.#handler.shutdown(new ShutdownError('The remote executor'));
      });
    }
    if (signal) {
      if (signal.aborted) void this.stop();
      else signal.addEventListener('abort', () => void this.stop(), { once: true });
    }
    return this.#running;
  }

  /** Rejects all outstanding and waiting work with ShutdownError and closes every stream. */
  async stop(): Promise<void> {
    const running = this.start();
    await this.#loop.close({ kind: 'Shutdown' });
    await running.catch(() => undefined); // start()'s caller owns a loop failure
    await Promise.all([...this.#writers].map((writer) => writer.finished));
  }

  stats(): ExecutorStats {
    return this.#handler.stats();
  }

  /** Items sent to streams whose bytes have not left yet, and streams whose worker stopped reading. */
  deliveryStats(): { readonly undelivered: number; readonly stalledStreams: number } {
    let undelivered = 0;
    for (const writer of this.#writers) undelivered += writer.pending;
    return { undelivered, stalledStreams: this.#handler.stalledStreams() };
  }

  /** The past events of the instance's turn outstanding on a worker (for history streaming). */
  pastEventsOfOutstandingTurn(instanceId: string, executionId?: string): readonly HistoryEvent[] | undefined {
    return this.#handler.pastEventsOfOutstandingTurn(instanceId, executionId);
  }

  executeOrchestrator(request: OrchestratorRequest, signal?: AbortSignal): Promise<OrchestratorResponse> {
    const itemId = this.#nextItemId++;
    const { reply, promise } = createReply<OrchestratorResponse>();
    if (!this.#loop.enqueue({ kind: 'ExecuteOrchestrator', itemId, request, reply })) {
      reply.reject(new ShutdownError('The remote executor'));
    }
    this.#watch(itemId, promise, signal);
    return promise;
  }

  executeActivity(request: ActivityRequest, signal?: AbortSignal): Promise<ActivityResponse> {
    const itemId = this.#nextItemId++;
    const { reply, promise } = createReply<ActivityResponse>();
    if (!this.#loop.enqueue({ kind: 'ExecuteActivity', itemId, request, reply })) {
      reply.reject(new ShutdownError('The remote executor'));
    }
    this.#watch(itemId, promise, signal);
    return promise;
  }

  /** A worker opened a stream: work matching `options` is routed to `sink` from now on. */
  connectStream(sink: WorkItemSink, options: StreamOptions): StreamConnection {
    const streamId = sink.id;
    const writer = new StreamWriter({
      sink,
      clock: this.#clock,
      pingIntervalMs: this.#pingIntervalMs,
      deliveryTimeoutMs: this.#deliveryTimeoutMs,
      onFailed: (error) => {
        this.#loop.enqueue({ kind: 'SendFailed', streamId, error });
      },
      onStalled: (tokens) => {
        this.#loop.enqueue({ kind: 'DeliveryStalled', streamId, tokens });
      },
      onResumed: () => {
        this.#loop.enqueue({ kind: 'DeliveryResumed', streamId });
      },
    });
    this.#writers.add(writer);
    void writer.finished.then(() => this.#writers.delete(writer));
    const peer = sink.peer ?? 'unknown';
    if (!this.#loop.enqueue({ kind: 'ConnectStream', streamId, peer, options, outbox: writer }))
      writer.close();
    return {
      streamId,
      drained: () => writer.drained(),
      disconnect: () => {
        writer.close();
        this.#loop.enqueue({ kind: 'DisconnectStream', streamId });
      },
    };
  }

  /** Hands a worker's orchestrator response to the waiting caller; rejects if it matches nothing. */
  completeOrchestrator(response: OrchestratorResponse): Promise<void> {
    const { reply, promise } = createReply<void>();
    if (!this.#loop.enqueue({ kind: 'CompleteOrchestrator', response, reply })) {
      reply.reject(new ShutdownError('The remote executor'));
    }
    return promise;
  }

  completeActivity(response: ActivityResponse): Promise<void> {
    const { reply, promise } = createReply<void>();
    if (!this.#loop.enqueue({ kind: 'CompleteActivity', response, reply })) {
      reply.reject(new ShutdownError('The remote executor'));
    }
    return promise;
  }

  /** The worker gave the item up: its execute promise rejects with WorkItemAbandonedError. */
  abandon(itemKind: 'orchestrator' | 'activity', completionToken: string): Promise<void> {
    const { reply, promise } = createReply<void>();
    if (!this.#loop.enqueue({ kind: 'Abandon', itemKind, completionToken, reply })) {
      reply.reject(new ShutdownError('The remote executor'));
    }
    return promise;
  }

  #watch(itemId: number, settled: Promise<unknown>, signal: AbortSignal | undefined): void {
    if (signal === undefined) return;
    const onAbort = (): void => {
      this.#loop.enqueue({ kind: 'Cancel', itemId, reason: signal.reason });
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    const detach = (): void => signal.removeEventListener('abort', onAbort);
    void settled.then(detach, detach);
  }
}
