import { SILENT_LOGGER, type LogSink } from '../logging/logger.js';
import * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError } from '../api/errors.js';
import { type RemoteExecutor } from '../executor/remote/index.js';
import { sidecarMethods, sidecarServiceDefinition, type SidecarHandlers } from './service-definition.js';
import { unimplementedHandler } from './unimplemented.js';
import { WorkItemsService, type WorkItemsServiceOptions } from './work-items-service.js';

export interface SidecarServerOptions {
  /** Runs work on the SDK workers connected over GetWorkItems. Started and stopped by its owner. */
  readonly executor: RemoteExecutor;
  /** Handlers of the client rpcs (StartInstance, GetInstance, …); the rest answer UNIMPLEMENTED. */
  readonly clientHandlers?: SidecarHandlers;
  /** How long `stop()` lets in-flight calls finish before cancelling them. Default 5 s. */
  readonly shutdownGraceMs?: number;
  /** Keepalive pings and the idle cut-off of client connections (see ConnectionLimits). */
  readonly connections?: Partial<ConnectionLimits>;
  /** Limits on GetWorkItems streams (see WorkItemsServiceOptions). */
  readonly workItemStreams?: Pick<WorkItemsServiceOptions, 'maxStreams' | 'maxStreamsPerConnection'>;
  /** Passed to the grpc-js server last (message size limits, …); wins over `connections`. */
  readonly serverOptions?: grpc.ServerOptions;
  readonly logger?: LogSink;
}

export interface ListenOptions {
  /** Default '127.0.0.1'. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
}

/**
 * How the server keeps client connections honest. A peer that vanished without a FIN (a crashed
 * host, a cut network, a frozen process) holds its streams and their work until a keepalive ping
 * goes unanswered; a connection that never opens a call (or never speaks at all) is closed once
 * idle, so forgotten or hostile sockets do not pile up.
 */
export interface ConnectionLimits {
  /** Idle time of a connection before the server pings it. Default 30 s (under common 60 s proxy cut-offs). */
  readonly keepaliveTimeMs: number;
  /** How long a ping may go unanswered before the connection is dropped. Default 20 s (gRPC's default). */
  readonly keepaliveTimeoutMs: number;
  /**
   * A connection with no call open for this long is closed (GOAWAY; clients reconnect on their
   * next call). Default 5 min: far beyond a client's pause between calls.
   */
  readonly maxConnectionIdleMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  keepaliveTimeMs: 30_000,
  keepaliveTimeoutMs: 20_000,
  maxConnectionIdleMs: 300_000,
};

/** The grpc-js server options of `limits`, defaults filled in. */
export function connectionServerOptions(limits: Partial<ConnectionLimits> = {}): grpc.ServerOptions {
  const compiled = { ...DEFAULT_CONNECTION_LIMITS };
  for (const key of Object.keys(DEFAULT_CONNECTION_LIMITS) as (keyof ConnectionLimits)[]) {
    const value = limits[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value <= 0) {
      throw new InvalidArgumentError(
        `Sidecar connection option ${key} must be a positive integer, got ${value}.`,
      );
    }
    compiled[key] = value;
  }
  return {
    'grpc.keepalive_time_ms': compiled.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': compiled.keepaliveTimeoutMs,
    'grpc.max_connection_idle_ms': compiled.maxConnectionIdleMs,
  };
}

const DEFAULT_SHUTDOWN_GRACE_MS = 5_000;
/** Histories travel inline in every OrchestratorRequest: allow far more than gRPC's 4 MiB default. */
const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * The gRPC TaskHubSidecarService server. Worker-facing rpcs are bound to the RemoteExecutor;
 * client rpcs come from `clientHandlers`; anything else answers UNIMPLEMENTED with the rpc named.
 */
export class SidecarServer {
  readonly #options: SidecarServerOptions;
  readonly #logger: LogSink;
  readonly #workItems: WorkItemsService;
  readonly #connectionOptions: grpc.ServerOptions;
  #server: grpc.Server | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: SidecarServerOptions) {
    this.#options = options;
    this.#logger = options.logger ?? SILENT_LOGGER;
    this.#connectionOptions = connectionServerOptions(options.connections);
    this.#workItems = new WorkItemsService(options.executor, {
      ...options.workItemStreams,
      logger: this.#logger,
    });
  }

  /** Binds and serves; resolves with the bound port once listening. */
  async start(listen: ListenOptions): Promise<number> {
    if (this.#server) throw new Error('SidecarServer.start() was already called');
    const server = new grpc.Server({
      'grpc.max_receive_message_length': DEFAULT_MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': DEFAULT_MAX_MESSAGE_BYTES,
      ...this.#connectionOptions,
      ...this.#options.serverOptions,
    });
    this.#server = server;
    server.addService(sidecarServiceDefinition, this.#implementation());
    const host = listen.host ?? '127.0.0.1';
    const address = `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${listen.port}`;
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, boundPort) => {
        if (err) reject(err);
        else resolve(boundPort);
      });
    });
    this.#logger.info({ address, port }, 'sidecar listening');
    return port;
  }

  /**
   * Ends the work item streams (their items wait for the next worker), lets other calls finish
   * for up to `shutdownGraceMs`, then cancels what is left. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#workItems.closeAllStreams();
    const graceMs = this.#options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
    let timer: NodeJS.Timeout | undefined;
    const graceful = await Promise.race([
      new Promise<boolean>((resolve) => server.tryShutdown(() => resolve(true))),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (!graceful) {
      this.#logger.warn({ graceMs }, 'sidecar calls still open after the grace period; cancelling them');
      server.forceShutdown();
    }
  }

  #implementation(): grpc.UntypedServiceImplementation {
    const bound: SidecarHandlers = { ...this.#options.clientHandlers, ...this.#workItems.handlers() };
    const handlers = bound as Record<string, grpc.UntypedHandleCall | undefined>;
    return Object.fromEntries(
      sidecarMethods.map((method) => [
        method.localName,
        handlers[method.localName] ?? unimplementedHandler(method),
      ]),
    );
  }
}
