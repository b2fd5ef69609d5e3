import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDurableTaskError } from '../api/errors.js';
import { sendJson, type HttpHandler } from './http-handler.js';
import { startHttpServer } from './http-server.js';

const hello: HttpHandler = (_req, res, url) => {
  if (url.pathname !== '/hello') return false;
  sendJson(res, 200, { hello: url.searchParams.get('name') });
  return true;
};
const broken: HttpHandler = (_req, _res, url) => {
  if (url.pathname === '/broken') throw new Error('boom');
  return false;
};

describe('HTTP server', () => {
  it('asks its handlers in order, answers 404 for paths no handler owns and 500 when one throws', async () => {
    const server = await startHttpServer({ port: 0, handlers: [broken, hello] });
    try {
      const ok = await fetch(`${server.url}/hello?name=ada`);
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { hello: 'ada' });
      const missing = await fetch(`${server.url}/nope`);
      assert.equal(missing.status, 404);
      assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
      const failed = await fetch(`${server.url}/broken`);
      assert.equal(failed.status, 500);
      assert.equal(((await failed.json()) as { error: { code: string } }).error.code, 'INTERNAL');
    } finally {
      await server.close();
    }
  });

  it('says at start that a port in use cannot be opened', async () => {
    const first = await startHttpServer({ port: 0, handlers: [] });
    try {
      await assert.rejects(
        startHttpServer({ port: first.port, handlers: [] }),
        (err: unknown) =>
          isDurableTaskError(err, 'HTTP_LISTEN_FAILED') && /already in use/.test((err as Error).message),
      );
    } finally {
      await first.close();
    }
  });

  it('closes with keep-alive connections open', async () => {
    const server = await startHttpServer({ port: 0, handlers: [hello] });
    const agentResponse = await fetch(`${server.url}/hello`, { keepalive: true });
    await agentResponse.json();
    await server.close();
    await assert.rejects(fetch(`${server.url}/hello`));
  });
});
