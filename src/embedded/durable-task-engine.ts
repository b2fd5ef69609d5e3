import type { Backend } from '../backend/backend.js';
import { SqliteBackend } from '../backend/sqlite/index.js';
import { TaskHubClient, type TaskHubClientOptions } from '../client/index.js';
import { InProcessExecutor } from '../executor/in-process-executor.js';
import { TracingExecutor } from '../executor/tracing-executor.js';
import { SILENT_LOGGER, type Logger } from '../logging/logger.js';
import { Registry } from '../sdk/registry.js';
import { registerScheduleTasks, ScheduleClient } from '../schedules/index.js';
import { layeredLookup } from '../schedules/layered-lookup.js';
import { assertValidRetentionPolicy } from '../retention/retention-policy.js';
import { RetentionSweeper, type RetentionOptions } from '../retention/retention-sweeper.js';
import { TaskHubWorker, type TaskHubWorkerOptions } from '../worker/index.js';

export interface DurableTaskEngineOptions {
  /** The store. Default: a SQLite file `durabletask.db` in the working directory. */
  readonly backend?: Backend;
  /** Orchestrators and activities; default an empty registry to fill before `start()`. */
  readonly registry?: Registry;
  /** Worker tuning (concurrency, lease length, poll interval). */
  readonly worker?: Omit<TaskHubWorkerOptions, 'backend' | 'executor' | 'logger'>;
  /** Client tuning (payload limit, wait safety-net poll). */
  readonly client?: Omit<TaskHubClientOptions, 'backend' | 'logger'>;
  /** Default: silent. */
  readonly logger?: Logger;
  /** Purge finished instances in the background once older than the policy says. Default: keep all. */
  readonly retention?: Omit<RetentionOptions, 'logger'>;
}

/**
 * Everything an embedding process needs in one object: a backend, a worker that runs the
 * registered orchestrators and activities in this process, and a client.
 *
 * `start()` starts the backend, then the worker. `stop()` answers the client's pending waits
 * (ShutdownError), stops the worker (in-flight work goes back to the store), then the backend;
 * it is idempotent. The client stays usable between
 * `start()` and `stop()`.
 */
export class DurableTaskEngine {
  readonly backend: Backend;
  readonly registry: Registry;
  readonly client: TaskHubClient;
  /** Durable schedules: orchestrations started on a cron expression or an interval. */
  readonly schedules: ScheduleClient;
  readonly #worker: TaskHubWorker;
  readonly #retention: RetentionSweeper | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: DurableTaskEngineOptions = {}) {
    const logger = options.logger ?? SILENT_LOGGER;
    if (options.retention) assertValidRetentionPolicy(options.retention.policy);
    this.backend = options.backend ?? new SqliteBackend();
    this.registry = options.registry ?? new Registry();
    this.client = new TaskHubClient({
      ...options.client,
      backend: this.backend,
      logger: logger.child({ component: 'client' }),
    });
    this.schedules = new ScheduleClient(this.client);
    const tasks = layeredLookup(registerScheduleTasks(new Registry(), this.client), this.registry);
    this.#worker = new TaskHubWorker({
      ...options.worker,
      backend: this.backend,
      executor: new TracingExecutor(
        new InProcessExecutor(tasks, { logger: logger.child({ component: 'orchestration' }) }),
      ),
      logger: logger.child({ component: 'worker' }),
    });
    this.#retention = options.retention
      ? new RetentionSweeper(this.backend, {
          ...options.retention,
          logger: logger.child({ component: 'retention' }),
        })
      : undefined;
  }

  async start(): Promise<void> {
    await this.backend.start();
    await this.#worker.start();
    this.#retention?.start();
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      try {
        await this.#retention?.stop();
        await this.client.stop();
        await this.#worker.stop();
      } finally {
        await this.backend.stop();
      }
    })();
    return this.#stopping;
  }
}
