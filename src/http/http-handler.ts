import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * One part of the HTTP server (metrics, health, the JSON API, the dashboard). It answers the
 * requests it owns and returns true; for any other request it returns false without touching
 * `res`, and the server asks the next handler. A handler that throws gets a 500.
 */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

/** Writes a JSON body with the given status. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** The error body every handler answers with: a stable code and a message for a person. */
export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}
