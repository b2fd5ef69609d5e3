import type pg from 'pg';
import type { Clock, TimerHandle } from '../../loop/clock.js';
import { quoteIdentifier } from './sql/compile.js';

/**
 * One dedicated connection that LISTENs on the task hub's channel and hands every payload to
 * `onPayload`. When the connection drops it reconnects with backoff until it succeeds or is
 * stopped, then calls `onReconnected` (notifications sent while it was away are lost, so the
 * owner wakes everyone once).
 *
 * States: idle → connecting → listening ⇄ waiting-to-reconnect → stopped. `stop()` is final,
 * idempotent, ends the connection and cancels a pending reconnect; nothing keeps running.
 */

export interface NotificationListenerDeps {
  /** Makes a new, unconnected client (a fresh one per connection attempt). */
  readonly createClient: () => pg.Client;
  readonly channel: string;
  readonly onPayload: (payload: string) => void;
  readonly onReconnected: () => void;
  readonly onError: (err: unknown, msg: string) => void;
  /** First reconnect delay; doubles up to `maxReconnectDelayMs`. */
  readonly reconnectDelayMs: number;
  readonly maxReconnectDelayMs: number;
  /** Reconnect backoff timers. */
  readonly clock: Clock;
}

export class NotificationListener {
  readonly #deps: NotificationListenerDeps;
  #client: pg.Client | undefined;
  #reconnectTimer: TimerHandle | undefined;
  #reconnectDelayMs: number;
  #stopped = false;

  constructor(deps: NotificationListenerDeps) {
    this.#deps = deps;
    this.#reconnectDelayMs = deps.reconnectDelayMs;
  }

  /** Connects and listens; rejects when the first connection fails. */
  async start(): Promise<void> {
    await this.#connect();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#reconnectTimer?.cancel();
    this.#reconnectTimer = undefined;
    const client = this.#client;
    this.#client = undefined;
    if (client) await client.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    const client = this.#deps.createClient();
    this.#client = client;
    client.on('notification', (message) => {
      if (message.channel === this.#deps.channel && message.payload !== undefined) {
        this.#deps.onPayload(message.payload);
      }
    });
    // 'error' must always have a listener, or an error on an idle connection crashes the process.
    client.on('error', (err) => this.#dropped(client, err));
    client.on('end', () => this.#dropped(client, undefined));
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdentifier(this.#deps.channel)}`);
    } catch (err) {
      if (this.#client === client) this.#client = undefined;
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.#stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#reconnectDelayMs = this.#deps.reconnectDelayMs;
  }

  #dropped(client: pg.Client, err: unknown): void {
    if (this.#stopped || this.#client !== client) return;
    this.#client = undefined;
    this.#deps.onError(err, 'The notification listener lost its connection; reconnecting.');
    client.end().catch(() => undefined);
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#stopped || this.#reconnectTimer !== undefined) return;
    const delay = this.#reconnectDelayMs;
    this.#reconnectDelayMs = Math.min(this.#deps.maxReconnectDelayMs, delay * 2);
    this.#reconnectTimer = this.#deps.clock.setTimer(delay, () => {
      this.#reconnectTimer = undefined;
      this.#connect().then(
        () => {
          if (!this.#stopped) this.#deps.onReconnected();
        },
        (connectErr: unknown) => {
          this.#deps.onError(connectErr, 'The notification listener could not reconnect; retrying.');
          this.#scheduleReconnect();
        },
      );
    });
  }
}
