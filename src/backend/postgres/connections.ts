import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { systemClock } from '../../loop/clock.js';
import { Database } from './database.js';
import { NotificationListener } from './listener.js';
import type { CompiledPostgresOptions } from './options.js';
import { BACKEND_PG_TYPES } from './pg-types.js';

/** The connections of one started backend: the pool behind `db`, and the listening client. */
export interface Connections {
  readonly pool: pg.Pool;
  readonly db: Database;
  readonly listener: NotificationListener;
}

export interface ListenerCallbacks {
  readonly channel: string;
  readonly onPayload: (payload: string) => void;
  readonly onReconnected: () => void;
}

/** Creates (without connecting) the pool, its retrying Database wrapper and the listener. */
export function createConnections(
  options: CompiledPostgresOptions,
  callbacks: ListenerCallbacks,
): Connections {
  const logger = options.logger;
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize,
    application_name: options.applicationName,
    connectionTimeoutMillis: options.connectionTimeoutMs,
    keepAlive: true,
    types: BACKEND_PG_TYPES,
  });
  // An idle pooled connection that breaks is dropped by the pool; without a listener the
  // 'error' event would crash the process.
  pool.on('error', (err) => logger.warn({ err }, 'An idle PostgreSQL connection failed; it was dropped.'));
  const db = new Database({
    pool,
    clock: options.clock,
    retry: options.retry,
    retryHooks: {
      sleep: (ms) => sleep(ms),
      onRetry: ({ attempt, delayMs, reason, err }) =>
        logger.warn(
          { err, attempt, delayMs, reason },
          'Retrying a PostgreSQL operation after a transient failure.',
        ),
    },
  });
  const listener = new NotificationListener({
    createClient: () =>
      new pg.Client({
        connectionString: options.connectionString,
        application_name: `${options.applicationName}:listener`,
        connectionTimeoutMillis: options.connectionTimeoutMs,
        keepAlive: true,
      }),
    channel: callbacks.channel,
    onPayload: callbacks.onPayload,
    onReconnected: callbacks.onReconnected,
    onError: (err, msg) => logger.warn({ err }, msg),
    reconnectDelayMs: options.listenerReconnectDelayMs,
    maxReconnectDelayMs: options.maxListenerReconnectDelayMs,
    clock: systemClock,
  });
  return { pool, db, listener };
}
