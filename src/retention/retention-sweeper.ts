import type { Backend } from '../backend/backend.js';
import { SILENT_LOGGER, type LogSink } from '../logging/logger.js';
import { systemClock, type Clock, type TimerHandle } from '../loop/clock.js';
import { RETENTION_STATUSES, type RetainedStatus, type RetentionPolicy } from './retention-policy.js';

export interface RetentionOptions {
  readonly policy: RetentionPolicy;
  /** Instances purged per batch (one transaction each). Default 200. */
  readonly batchSize?: number;
  /** Pause between two batches, so live work gets the store between them. Default 20 ms. */
  readonly pauseMs?: number;
  /** Time between sweeps once nothing is left to purge. Default one minute. */
  readonly intervalMs?: number;
  readonly clock?: Clock;
  readonly logger?: LogSink;
}

const DEFAULT_BATCH_SIZE = 200;
const DEFAULT_PAUSE_MS = 20;
const DEFAULT_INTERVAL_MS = 60_000;
/** The first sweep waits this long after start, so start-up work goes first. */
const FIRST_SWEEP_DELAY_MS = 1_000;

/**
 * Enforces a retention policy in the background: every `intervalMs`, for each status with a
 * retention, purges the instances that finished longer ago than it, a small batch at a time with
 * a pause between batches (each batch is its own transaction, so live turns interleave and no
 * giant transaction holds the store). Its state: the timer of the next sweep and the sweep in
 * progress. `stop()` cancels the timer and waits for the batch in progress; the rest waits for
 * the next start.
 */
export class RetentionSweeper {
  readonly #backend: Backend;
  readonly #policy: RetentionPolicy;
  readonly #batchSize: number;
  readonly #pauseMs: number;
  readonly #intervalMs: number;
  readonly #clock: Clock;
  readonly #logger: LogSink;
  #timer: TimerHandle | undefined;
  #sweeping: Promise<void> | undefined;
  #started = false;
  /** Set by stop(): the sweep in progress ends after its current batch. */
  #stopping = false;
  #purged = 0;

  constructor(backend: Backend, options: RetentionOptions) {
    this.#backend = backend;
    this.#policy = options.policy;
    this.#batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.#pauseMs = options.pauseMs ?? DEFAULT_PAUSE_MS;
    this.#intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? SILENT_LOGGER;
  }

  /** Instances purged since this sweeper was made. */
  get purged(): number {
    return this.#purged;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#stopping = false;
    this.#schedule(FIRST_SWEEP_DELAY_MS);
  }

  async stop(): Promise<void> {
    this.#started = false;
    this.#stopping = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.#sweeping;
  }

  /** One full sweep now (also what the timer runs); resolves with the instances purged. */
  async sweep(): Promise<number> {
    let total = 0;
    for (const [name, ttl] of Object.entries(this.#policy) as [RetainedStatus, number | undefined][]) {
      if (ttl === undefined) continue;
      total += await this.#purgeOlderThan(name, ttl);
    }
    this.#purged += total;
    if (total > 0) this.#logger.info({ purged: total }, 'retention: purged finished instances');
    return total;
  }

  async #purgeOlderThan(name: RetainedStatus, ttl: number): Promise<number> {
    let total = 0;
    for (;;) {
      const purged = await this.#backend.purgeInstances({
        statuses: [RETENTION_STATUSES[name]],
        completedTo: this.#clock.now() - ttl,
        limit: this.#batchSize,
      });
      total += purged;
      if (purged < this.#batchSize || this.#stopping) break;
      await new Promise<void>((resolve) => this.#clock.setTimer(this.#pauseMs, resolve));
    }
    return total;
  }

  #schedule(delayMs: number): void {
    if (!this.#started) return;
    this.#timer = this.#clock.setTimer(delayMs, () => {
      this.#timer = undefined;
      this.#sweeping = this.sweep()
        .then(() => undefined)
        .catch((err: unknown) => {
          this.#logger.warn({ err }, 'retention: a sweep failed; the next one tries again');
        })
        .finally(() => {
          this.#sweeping = undefined;
          this.#schedule(this.#intervalMs);
        });
    });
  }
}
