import type { Clock } from '../../loop/clock.js';
import { SILENT_LOGGER, type LogSink } from '../../logging/logger.js';
import { InvalidArgumentError } from '../../api/errors.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './transient-errors.js';

/** Pooled connections by default: enough for the worker's default concurrency to overlap round trips. */
export const DEFAULT_POOL_SIZE = 20;

export interface PostgresBackendOptions {
  /** libpq-style URL, e.g. `postgres://user@127.0.0.1:5432/db`. */
  readonly connectionString: string;
  /**
   * The schema holding every table of this task hub, created when missing; several task hubs
   * share a database under different schemas. Lowercase letters, digits and `_`, starting with a
   * letter or `_`, at most 48 characters (the NOTIFY channel name adds a suffix). Default
   * 'durabletask'.
   */
  readonly schema?: string;
  /** Most pooled connections (the listener has one more of its own). Default 20. */
  readonly poolSize?: number;
  /**
   * Time of every stored time and lease (its `now()`). Absent (production): the database clock,
   * so processes on several machines agree on lease expiry. Tests inject a fake clock.
   */
  readonly clock?: Pick<Clock, 'now'>;
  readonly logger?: LogSink;
  /** Shown in pg_stat_activity; the listener adds ':listener'. Default 'durabletask'. */
  readonly applicationName?: string;
  /** Retries of transient failures (connection loss, deadlock, serialization failure). */
  readonly retry?: Partial<RetryPolicy>;
  /** How long opening a connection may take before it fails. Default 10000 ms. */
  readonly connectionTimeoutMs?: number;
  /** First delay before the listener reconnects; doubles up to 5 s. Default 100 ms. */
  readonly listenerReconnectDelayMs?: number;
}

/** The options with defaults filled in. */
export interface CompiledPostgresOptions {
  readonly connectionString: string;
  readonly schema: string;
  readonly poolSize: number;
  readonly clock: Pick<Clock, 'now'> | undefined;
  readonly logger: LogSink;
  readonly applicationName: string;
  readonly retry: RetryPolicy;
  readonly connectionTimeoutMs: number;
  readonly listenerReconnectDelayMs: number;
  readonly maxListenerReconnectDelayMs: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,47}$/;

/** Throws InvalidArgumentError unless `name` is a schema name the backend accepts. */
export function validateSchemaName(name: string): string {
  if (!SCHEMA_NAME.test(name) || name.startsWith('pg_')) {
    throw new InvalidArgumentError(
      `Invalid schema name '${name}': use lowercase letters, digits and '_', start with a letter or '_', ` +
        'at most 48 characters, not starting with pg_.',
    );
  }
  return name;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${value}.`);
  }
  return value;
}

export function compileOptions(options: PostgresBackendOptions): CompiledPostgresOptions {
  if (!options.connectionString) throw new InvalidArgumentError('connectionString is required.');
  return {
    connectionString: options.connectionString,
    schema: validateSchemaName(options.schema ?? 'durabletask'),
    poolSize: positiveInteger('poolSize', options.poolSize ?? DEFAULT_POOL_SIZE),
    clock: options.clock,
    logger: options.logger ?? SILENT_LOGGER,
    applicationName: options.applicationName ?? 'durabletask',
    retry: {
      maxAttempts: positiveInteger(
        'retry.maxAttempts',
        options.retry?.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts,
      ),
      baseDelayMs: options.retry?.baseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs,
      maxDelayMs: options.retry?.maxDelayMs ?? DEFAULT_RETRY_POLICY.maxDelayMs,
    },
    connectionTimeoutMs: options.connectionTimeoutMs ?? 10_000,
    listenerReconnectDelayMs: options.listenerReconnectDelayMs ?? 100,
    // A server that stays away is retried every 5 s: often enough to come back soon after it.
    maxListenerReconnectDelayMs: 5_000,
  };
}

/** The NOTIFY channel of a task hub's schema. */
export function channelName(schema: string): string {
  return `${schema}_durabletask`;
}
