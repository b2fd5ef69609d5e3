import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { isDurableTaskError } from '../api/errors.js';
import type { InstancePage, InstanceQuery, InstanceState } from '../api/instance.js';
import { OrchestrationStatus } from '../api/status.js';
import type { Backend } from '../backend/backend.js';
import { TaskHubClient } from './task-hub-client.js';
import { runTurn } from './testing/run-turn.js';
import { createTestBackend } from './testing/test-backend.js';

/** Five instances created in this order: a-1..a-3 (name "alpha"), b-1, b-2 (name "beta"). */
async function seeded(t: TestContext) {
  const { backend } = await createTestBackend(t);
  const client = new TaskHubClient({ backend });
  const ids = ['a-1', 'a-2', 'a-3', 'b-1', 'b-2'];
  for (const id of ids) {
    await client.scheduleNewOrchestration(id.startsWith('a') ? 'alpha' : 'beta', id, { instanceId: id });
  }
  await runTurn(backend, 'a-2', { status: OrchestrationStatus.COMPLETED });
  await runTurn(backend, 'b-1', { status: OrchestrationStatus.COMPLETED });
  return { backend, client, ids };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('queries', () => {
  test('allInstances follows continuation tokens across pages, in creation order', async (t) => {
    const { client, ids } = await seeded(t);
    const states = await collect(client.allInstances({ pageSize: 2 }));
    assert.deepEqual(
      states.map((s) => s.instanceId),
      ids,
    );
    assert.equal(states[0]?.input, undefined, 'payloads are off unless asked for');
    const withPayloads = await collect(client.allInstances({ pageSize: 2, includePayloads: true }));
    assert.equal(withPayloads[0]?.input, '"a-1"');
  });

  test('allInstances applies filters on every page', async (t) => {
    const { client } = await seeded(t);
    const completed = await collect(
      client.allInstances({ pageSize: 1, statuses: [OrchestrationStatus.COMPLETED] }),
    );
    assert.deepEqual(
      completed.map((s) => s.instanceId),
      ['a-2', 'b-1'],
    );
    const betas = await collect(client.allInstances({ namePrefix: 'be' }));
    assert.deepEqual(
      betas.map((s) => s.instanceId),
      ['b-1', 'b-2'],
    );
  });

  test('listInstanceIds pages by hand with the continuation token', async (t) => {
    const { client } = await seeded(t);
    const first = await client.listInstanceIds({ pageSize: 3, instanceIdPrefix: 'a-' });
    assert.deepEqual(first.items, ['a-1', 'a-2', 'a-3']);
    const everything = await client.listInstanceIds({ pageSize: 3 });
    assert.deepEqual(everything.items, ['a-1', 'a-2', 'a-3']);
    assert.ok(everything.continuationToken !== undefined);
    const rest = await client.listInstanceIds({
      pageSize: 3,
      continuationToken: everything.continuationToken,
    });
    assert.deepEqual(rest.items, ['b-1', 'b-2']);
    assert.equal(rest.continuationToken, undefined);
  });

  test('queryInstances returns one page with states', async (t) => {
    const { client } = await seeded(t);
    const page = await client.queryInstances({ pageSize: 2, statuses: [OrchestrationStatus.PENDING] });
    assert.deepEqual(
      page.items.map((s) => [s.instanceId, s.status]),
      [
        ['a-1', OrchestrationStatus.PENDING],
        ['a-3', OrchestrationStatus.PENDING],
      ],
    );
    assert.ok(page.continuationToken !== undefined);
  });

  test('a bad page size is InvalidArgumentError', async (t) => {
    const { client } = await seeded(t);
    for (const pageSize of [0, -1, 1.5, Number.NaN]) {
      await assert.rejects(client.queryInstances({ pageSize }), (err: unknown) =>
        isDurableTaskError(err, 'INVALID_ARGUMENT'),
      );
    }
  });

  test('allInstances stops with an error when a backend repeats a continuation token', async (t) => {
    const { backend } = await createTestBackend(t);
    const stuck: InstancePage<InstanceState> = { items: [], continuationToken: 'same' };
    const looping = new Proxy(backend, {
      get(target, property) {
        if (property === 'queryInstances') return async (_query: InstanceQuery) => stuck;
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    }) satisfies Backend;
    const client = new TaskHubClient({ backend: looping });
    await assert.rejects(collect(client.allInstances()), /same continuation token twice/);
  });
});
