import * as net from 'node:net';

export type ProxyMode = 'forward' | 'frozen' | 'cut';

/**
 * A TCP proxy on 127.0.0.1:0 in front of `target`, for network faults in tests:
 * - `freeze()`: open connections stay open but nothing passes either way (a frozen peer, a
 *   black-holed network); new connections are accepted and frozen too;
 * - `cut()`: every connection is reset and new ones are refused (closed at once), like a server
 *   that went away;
 * - `restore()`: forwarding again (connections cut stay gone; clients reconnect).
 */
export class TcpProxy {
  readonly #target: { host: string; port: number };
  readonly #server: net.Server;
  readonly #pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  #mode: ProxyMode = 'forward';
  port = 0;

  constructor(target: { host: string; port: number }) {
    this.#target = target;
    this.#server = net.createServer((client) => this.#accept(client));
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as net.AddressInfo).port;
    return this.port;
  }

  get connections(): number {
    return this.#pairs.size;
  }

  freeze(): void {
    this.#mode = 'frozen';
    for (const { client, upstream } of this.#pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  cut(): void {
    this.#mode = 'cut';
    for (const { client, upstream } of this.#pairs) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    this.#pairs.clear();
  }

  restore(): void {
    this.#mode = 'forward';
    for (const { client, upstream } of this.#pairs) {
      client.pipe(upstream);
      upstream.pipe(client);
    }
  }

  async stop(): Promise<void> {
    for (const { client, upstream } of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.#pairs.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: net.Socket): void {
    if (this.#mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(this.#target.port, this.#target.host);
    const pair = { client, upstream };
    this.#pairs.add(pair);
    const close = (): void => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    if (this.#mode === 'forward') {
      client.pipe(upstream);
      upstream.pipe(client);
    } else {
      client.pause();
      upstream.pause();
    }
  }
}
