import type { Backend } from '../backend/backend.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, TaskHubClient } from '../client/index.js';
import { InProcessExecutor } from '../executor/in-process-executor.js';
import { OrchestrationTraceCarrier } from '../executor/orchestration-trace-carrier.js';
import { OwnTaskRouter } from '../executor/own-task-router.js';
import { isScheduleTask, registerScheduleTasks } from '../schedules/index.js';
import { Registry } from '../sdk/registry.js';
import {
  DEFAULT_HISTORY_STREAMING_THRESHOLD_BYTES,
  RemoteExecutor,
  type RemoteExecutorOptions,
} from '../executor/remote/index.js';
import { SILENT_LOGGER, type Logger } from '../logging/logger.js';
import { TaskHubWorker, type TaskHubWorkerOptions } from '../worker/index.js';
import { createClientHandlers } from './client-rpcs/index.js';
import { SidecarServer, type ConnectionLimits, type SidecarServerOptions } from './sidecar-server.js';

export interface SidecarOptions {
  /** The store. Started by `start()`, stopped by `stop()`. */
  readonly backend: Backend;
  /** Default: silent. */
  readonly logger?: Logger;
  /**
   * Largest gRPC message received or sent, in bytes. Default 64 MiB: every OrchestratorRequest
   * carries the instance's whole history.
   */
  readonly maxMessageBytes?: number;
  /** Largest payload (input, event data, output) a client may send. Default 4 MiB, capped by maxMessageBytes. */
  readonly maxPayloadBytes?: number;
  /** Worker tuning (concurrency, lease length, poll interval). */
  readonly worker?: Omit<TaskHubWorkerOptions, 'backend' | 'executor' | 'logger'>;
  /** Remote executor tuning (health ping interval). */
  readonly executor?: Omit<RemoteExecutorOptions, 'logger'>;
  /** How long `stop()` lets open calls finish before cancelling them. Default 5 s. */
  readonly shutdownGraceMs?: number;
  /** Keepalive pings and the idle cut-off of client connections (see ConnectionLimits). */
  readonly connections?: Partial<ConnectionLimits>;
  /** Most GetWorkItems streams in total and per client connection. Defaults 256 and 16. */
  readonly workItemStreams?: SidecarServerOptions['workItemStreams'];
}

export interface SidecarListenOptions {
  /** Default '127.0.0.1'. */
  readonly host?: string;
  /** Default 4001 (the Durable Task sidecar port); 0 picks a free port. */
  readonly port?: number;
}

export interface SidecarAddress {
  readonly host: string;
  readonly port: number;
}

export const DEFAULT_SIDECAR_PORT = 4001;
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

type Phase = 'new' | 'starting' | 'running' | 'stopped';

/**
 * The Durable Task sidecar: a backend, a TaskHubWorker whose executor hands work to the SDK
 * workers connected over GetWorkItems, a TaskHubClient for the client rpcs, and the gRPC server.
 *
 * `start()` opens the store, then listens, then starts the worker: the port is open before
 * anything waits, so an SDK worker's first Hello succeeds. `stop()` drains: it answers pending
 * client waits (UNAVAILABLE), ends the work item streams and stops accepting calls, stops the
 * worker (in-flight work goes back to the store to be redone), stops the executor and closes
 * the store. It is idempotent, and safe after a failed or missing `start()`.
 */
export class Sidecar {
  readonly backend: Backend;
  readonly client: TaskHubClient;
  readonly executor: RemoteExecutor;
  readonly #worker: TaskHubWorker;
  readonly #server: SidecarServer;
  readonly #logger: Logger;
  #phase: Phase = 'new';
  #stopping: Promise<void> | undefined;

  constructor(options: SidecarOptions) {
    const logger = options.logger ?? SILENT_LOGGER;
    const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const maxPayloadBytes = Math.min(options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES, maxMessageBytes);
    this.#logger = logger.child({ component: 'sidecar' });
    this.backend = options.backend;
    this.client = new TaskHubClient({ backend: this.backend, logger, maxPayloadBytes });
    this.executor = new RemoteExecutor({
      // Streamed well before a turn's request could reach the message limit.
      historyStreamingThresholdBytes: Math.min(
        DEFAULT_HISTORY_STREAMING_THRESHOLD_BYTES,
        maxMessageBytes / 4,
      ),
      ...options.executor,
      logger: logger.child({ component: 'executor' }),
    });
    this.#worker = new TaskHubWorker({
      ...options.worker,
      backend: this.backend,
      executor: new OwnTaskRouter(
        new InProcessExecutor(registerScheduleTasks(new Registry(), this.client)),
        new OrchestrationTraceCarrier(this.executor),
        isScheduleTask,
      ),
      logger: logger.child({ component: 'worker' }),
    });
    this.#server = new SidecarServer({
      executor: this.executor,
      clientHandlers: createClientHandlers({
        client: this.client,
        backend: this.backend,
        maxPayloadBytes,
        logger: logger.child({ component: 'client-rpcs' }),
        outstandingTurnHistory: (instanceId, executionId) =>
          this.executor.pastEventsOfOutstandingTurn(instanceId, executionId),
      }),
      serverOptions: {
        'grpc.max_receive_message_length': maxMessageBytes,
        'grpc.max_send_message_length': maxMessageBytes,
      },
      logger: this.#logger,
      ...(options.connections && { connections: options.connections }),
      ...(options.workItemStreams && { workItemStreams: options.workItemStreams }),
      ...(options.shutdownGraceMs !== undefined && { shutdownGraceMs: options.shutdownGraceMs }),
    });
  }

  /** Opens the store, listens and starts the worker; resolves with the bound address. */
  async start(listen: SidecarListenOptions = {}): Promise<SidecarAddress> {
    if (this.#phase !== 'new') throw new Error(`Sidecar.start() cannot be called once ${this.#phase}.`);
    this.#phase = 'starting';
    const host = listen.host ?? '127.0.0.1';
    try {
      await this.backend.start();
      this.#assertNotStopped();
      void this.executor.start();
      const port = await this.#server.start({ host, port: listen.port ?? DEFAULT_SIDECAR_PORT });
      this.#assertNotStopped();
      await this.#worker.start();
      void this.#worker.done.catch((err: unknown) => {
        this.#logger.error({ err }, 'the task hub worker failed; work waits in the store until a restart');
      });
      if (this.#phase === 'starting') this.#phase = 'running';
      return { host, port };
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** `stop()` may be called while `start()` awaits: start then gives up instead of going on. */
  #assertNotStopped(): void {
    if (this.#phase === 'stopped') throw new Error('The sidecar was stopped while starting.');
  }

  /** Drains and closes everything (see the class comment). Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const started = this.#phase !== 'new';
    this.#phase = 'stopped';
    if (!started) return;
    this.#logger.info({}, 'sidecar stopping');
    const steps: [string, () => Promise<void>][] = [
      ['client', () => this.client.stop()],
      ['server', () => this.#server.stop()],
      ['worker', () => this.#worker.stop()],
      ['executor', () => this.executor.stop()],
      ['backend', () => this.backend.stop()],
    ];
    let firstError: unknown;
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (err) {
        this.#logger.error({ err, step: name }, 'sidecar shutdown step failed');
        firstError ??= err;
      }
    }
    this.#logger.info({}, 'sidecar stopped');
    if (firstError !== undefined) {
      throw firstError instanceof Error
        ? firstError
        : new Error('The sidecar did not stop cleanly.', { cause: firstError });
    }
  }
}
