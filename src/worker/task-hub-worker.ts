import { InvalidArgumentError } from '../api/errors.js';
import type {
  ActivityWorkItem,
  Backend,
  BackendNotification,
  OrchestrationWorkItem,
} from '../backend/backend.js';
import type { Executor } from '../executor/executor.js';
import { Loop } from '../loop/loop.js';
import { createReply } from '../loop/reply.js';
import { createActivityRunner } from './activity-task.js';
import { holdProcessOpen, systemClock, type Clock } from '../loop/clock.js';
import { SILENT_LOGGER, type LogSink } from '../logging/logger.js';
import { HistoryCache } from './history-cache.js';
import { createOrchestrationTurnRunner } from './orchestration-turn.js';
import type { WorkLoopEvent } from './work-loop/events.js';
import { WorkLoopHandler, type WorkLoopConfig } from './work-loop/handler.js';
import type { LeasedWorkItem, WorkSource } from './work-loop/work-source.js';
import { activityWorkSource, orchestrationWorkSource } from './work-sources.js';

/**
 * TaskHubWorker runs orchestration turns and activities from a backend through an executor:
 * two work loops (see work-loop/handler.ts), woken by the backend's notifications.
 *
 * Lifecycle: `start()` subscribes to the backend and runs both loops, and resolves once they
 * run. `stop()` (or aborting the signal given to start) stops fetching, aborts in-flight work
 * and abandons it back to the store, unsubscribes, and resolves once both loops have returned;
 * it is idempotent. `done` settles when the worker has stopped: it rejects only when a loop
 * failed (a broken invariant), which also stops the other loop. The backend is not started or
 * stopped here: its owner does that (the client shares it).
 */

export interface TaskHubWorkerOptions {
  /** The store; it must be started before the worker. */
  readonly backend: Backend;
  /** Runs user code: in-process SDK or connected gRPC workers. */
  readonly executor: Executor;
  /** Orchestration turns run at once. Default 16. */
  readonly maxConcurrentOrchestrations?: number;
  /** Activities run at once. Default 32. */
  readonly maxConcurrentActivities?: number;
  /**
   * Lease length of a work item. A process that dies keeps its work for at most this long before
   * another one takes it over (on a store shared by several processes). Default 10000 ms.
   */
  readonly lockDurationMs?: number;
  /**
   * How often a held lease is renewed while its work runs; less than lockDurationMs. Default a
   * third of it, so two renewals can fail (a stalled event loop, a store hiccup) before it expires.
   */
  readonly leaseRenewIntervalMs?: number;
  /** Most inbox events one orchestration turn takes. Default 100. */
  readonly maxEventsPerTurn?: number;
  /**
   * Longest sleep without asking the store for work, a safety net for notifications that never
   * arrive (another process writing to the same SQLite file). Default 1000 ms.
   */
  readonly pollIntervalMs?: number;
  /**
   * Histories kept in memory after this worker's commits, so the next turn of the instance skips
   * reading and decoding its history (used only when the store proves it unchanged): the most
   * instances, and the most events over all of them. Defaults 5000 and 100000.
   */
  readonly historyCacheInstances?: number;
  readonly historyCacheEvents?: number;
  /** Time and timers; default the system clock. */
  readonly clock?: Clock;
  /** Default: no logging. */
  readonly logger?: LogSink;
}

/** The options with every default filled in. */
export interface CompiledWorkerOptions {
  readonly maxConcurrentOrchestrations: number;
  readonly maxConcurrentActivities: number;
  readonly lockDurationMs: number;
  readonly leaseRenewIntervalMs: number;
  readonly maxEventsPerTurn: number;
  readonly pollIntervalMs: number;
  readonly historyCacheInstances: number;
  readonly historyCacheEvents: number;
}

/**
 * Default lease length. Short enough that the work of a killed process resumes elsewhere within
 * seconds (the expiry is a due time the other processes wake up for), long enough that renewals
 * every third of it survive a busy event loop.
 */
const DEFAULT_LOCK_DURATION_MS = 10_000;

export const WORKER_DEFAULTS: CompiledWorkerOptions = {
  maxConcurrentOrchestrations: 16,
  maxConcurrentActivities: 32,
  lockDurationMs: DEFAULT_LOCK_DURATION_MS,
  leaseRenewIntervalMs: Math.floor(DEFAULT_LOCK_DURATION_MS / 3),
  maxEventsPerTurn: 100,
  pollIntervalMs: 1_000,
  historyCacheInstances: 5_000,
  historyCacheEvents: 100_000,
};

export function compileWorkerOptions(options: Partial<CompiledWorkerOptions>): CompiledWorkerOptions {
  const compiled = { ...WORKER_DEFAULTS };
  for (const key of Object.keys(WORKER_DEFAULTS) as (keyof CompiledWorkerOptions)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value <= 0) {
      throw new InvalidArgumentError(`TaskHubWorker option ${key} must be a positive integer, got ${value}.`);
    }
    compiled[key] = value;
  }
  if (options.leaseRenewIntervalMs === undefined) {
    compiled.leaseRenewIntervalMs = Math.max(1, Math.floor(compiled.lockDurationMs / 3));
  } else if (compiled.leaseRenewIntervalMs >= compiled.lockDurationMs) {
    throw new InvalidArgumentError(
      `TaskHubWorker option leaseRenewIntervalMs (${compiled.leaseRenewIntervalMs}) must be less than ` +
        `lockDurationMs (${compiled.lockDurationMs}).`,
    );
  }
  return compiled;
}

/** One running work loop and what stops it. */
class WorkLoopRunner<T extends LeasedWorkItem> {
  readonly name: string;
  readonly #handler: WorkLoopHandler<T>;
  readonly #loop: Loop<WorkLoopEvent<T>>;
  #finished: Promise<void> | undefined;

  constructor(config: WorkLoopConfig, source: WorkSource<T>, clock: Clock, logger: LogSink) {
    this.name = config.name;
    this.#handler = new WorkLoopHandler(config, {
      source,
      clock,
      logger,
      // Called only from effects and timers, so never before the loop below exists.
      post: (event) => this.#loop.enqueue(event),
    });
    this.#loop = new Loop(this.#handler, { name: config.name });
  }

  /** Runs the loop; the promise settles when it has returned (rejects if a handler threw). */
  run(): Promise<void> {
    this.#finished ??= this.#loop.run().finally(() => this.#handler.dispose());
    return this.#finished;
  }

  workAvailable(): void {
    this.#loop.enqueue({ kind: 'WorkAvailable' });
  }

  /** Shuts the loop down (in-flight work abandoned, effects settled) and waits for it to return. */
  async stop(): Promise<void> {
    const { reply, promise } = createReply<void>();
    if (this.#loop.enqueue({ kind: 'Shutdown', reply })) {
      await promise.catch(() => undefined); // rejected only when the loop died: close() still waits
    }
    await this.#loop.close();
  }
}

type Phase = 'new' | 'running' | 'stopping';

export class TaskHubWorker {
  readonly #backend: Backend;
  readonly #logger: LogSink;
  readonly #orchestrations: WorkLoopRunner<OrchestrationWorkItem>;
  readonly #activities: WorkLoopRunner<ActivityWorkItem>;
  #phase: Phase = 'new';
  #unsubscribe: (() => void) | undefined;
  /** Removes the abort listener from start's signal (a long-lived signal must not keep us alive). */
  #detachSignal: (() => void) | undefined;
  #stopped: Promise<void> | undefined;
  #markDone!: (error?: Error) => void;
  /** Settles when the worker has stopped; rejects when a loop failed. Never an unhandled rejection. */
  readonly done: Promise<void>;

  constructor(options: TaskHubWorkerOptions) {
    const compiled = compileWorkerOptions(options);
    const clock = options.clock ?? systemClock;
    this.#backend = options.backend;
    this.#logger = options.logger ?? SILENT_LOGGER;
    const { backend, executor } = options;
    const common = {
      lockDurationMs: compiled.lockDurationMs,
      renewIntervalMs: compiled.leaseRenewIntervalMs,
      pollIntervalMs: compiled.pollIntervalMs,
    };

    this.#orchestrations = new WorkLoopRunner(
      { ...common, name: 'orchestration worker', maxConcurrent: compiled.maxConcurrentOrchestrations },
      orchestrationWorkSource(
        backend,
        compiled,
        createOrchestrationTurnRunner({
          backend,
          executor,
          clock,
          logger: this.#logger,
          historyCache: new HistoryCache({
            maxInstances: compiled.historyCacheInstances,
            maxEvents: compiled.historyCacheEvents,
          }),
        }),
      ),
      clock,
      this.#logger,
    );
    this.#activities = new WorkLoopRunner(
      { ...common, name: 'activity worker', maxConcurrent: compiled.maxConcurrentActivities },
      activityWorkSource(backend, compiled, createActivityRunner({ backend, executor, clock })),
      clock,
      this.#logger,
    );
    this.done = new Promise<void>((resolve, reject) => {
      this.#markDone = (error) => (error === undefined ? resolve() : reject(error));
    });
    this.done.catch(() => undefined);
  }

  /**
   * Subscribes to the backend and starts both loops; resolves once they run. Aborting `signal`
   * stops the worker (as `stop()`). Calling it again while running does nothing; a stopped worker
   * cannot be restarted (make a new one).
   */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.#phase === 'running') return;
    if (this.#phase === 'stopping')
      throw new InvalidArgumentError('A stopped TaskHubWorker cannot be restarted.');
    this.#phase = 'running';
    // The clock's timers are unref'd; a running worker keeps the process alive until it stops.
    const release = holdProcessOpen();
    void this.done.then(release, release);
    this.#unsubscribe = this.#backend.subscribe((notification) => this.#route(notification));
    const runs = [this.#orchestrations, this.#activities].map((runner) =>
      runner.run().catch((error: unknown) => {
        this.#logger.error({ err: error }, `${runner.name} failed; stopping the worker`);
        void this.stop();
        throw error;
      }),
    );
    void Promise.all(runs).then(
      () => this.#markDone(),
      (error: unknown) =>
        this.#markDone(error instanceof Error ? error : new Error(String(error), { cause: error })),
    );
    // Work may be waiting from before the worker started.
    this.#orchestrations.workAvailable();
    this.#activities.workAvailable();
    if (signal) {
      const onAbort = (): void => void this.stop();
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        this.#detachSignal = () => signal.removeEventListener('abort', onAbort);
      }
    }
    this.#logger.info({}, 'task hub worker started');
  }

  /** Stops both loops (see the class comment). Idempotent; resolves when both have returned. */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    const wasRunning = this.#phase === 'running';
    this.#phase = 'stopping';
    if (!wasRunning) {
      this.#markDone();
      return;
    }
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#detachSignal?.();
    this.#detachSignal = undefined;
    await Promise.all([this.#orchestrations.stop(), this.#activities.stop()]);
    await this.done.catch(() => undefined);
    this.#logger.info({}, 'task hub worker stopped');
  }

  #route(notification: BackendNotification): void {
    switch (notification.kind) {
      case 'orchestration-work':
        this.#orchestrations.workAvailable();
        break;
      case 'activity-work':
        this.#activities.workAvailable();
        break;
      case 'instance-updated':
        break;
    }
  }
}
