import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DurableTaskError } from '../api/errors.js';
import { SILENT_LOGGER, type Logger } from '../logging/logger.js';
import { sendError, type HttpHandler } from './http-handler.js';

export interface HttpServerOptions {
  /** Loopback by default: the operator surfaces are not for the network unless asked. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** Asked in order; the first that returns true owns the request. */
  handlers: readonly HttpHandler[];
  logger?: Logger;
}

/** The HTTP port could not be opened (in use, no permission): said at start, before serving. */
export class HttpListenError extends DurableTaskError {
  constructor(host: string, port: number, cause: NodeJS.ErrnoException) {
    const reason = cause.code === 'EADDRINUSE' ? 'the port is already in use' : cause.message;
    super('HTTP_LISTEN_FAILED', `cannot listen for HTTP on ${host}:${port}: ${reason}`, { cause });
  }
}

/** A started HTTP server: its address, and a close that ends every open connection. */
export interface RunningHttpServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the operator HTTP server (metrics, health, API, dashboard share it). */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? SILENT_LOGGER;
  const server = createServer((req, res) => {
    void route(options.handlers, req, res, logger);
  });
  await listen(server, host, options.port);
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    url: `http://${urlHost}:${port}`,
    close: () => (closing ??= closeServer(server)),
  };
}

async function route(
  handlers: readonly HttpHandler[],
  req: Parameters<HttpHandler>[0],
  res: Parameters<HttpHandler>[1],
  logger: Logger,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  try {
    for (const handler of handlers) {
      if (await handler(req, res, url)) return;
    }
    sendError(res, 404, 'NOT_FOUND', `no such path: ${url.pathname}`);
  } catch (err) {
    logger.error({ err, method: req.method, path: url.pathname }, 'HTTP handler failed');
    if (!res.headersSent) sendError(res, 500, 'INTERNAL', 'the request failed; see the server log');
    else res.destroy();
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(new HttpListenError(host, port, err));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive and streaming (live updates) connections would hold close() open.
    server.closeAllConnections();
  });
}
