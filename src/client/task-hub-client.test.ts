import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import {
  DuplicateInstanceError,
  isDurableTaskError,
  PayloadTooLargeError,
  type ErrorCode,
} from '../api/errors.js';
import { OrchestrationStatus } from '../api/status.js';
import { eventOf } from '../runtime/history-events.js';
import { TaskHubClient } from './task-hub-client.js';
import { runTurn } from './testing/run-turn.js';
import { createTestBackend } from './testing/test-backend.js';
import { leaseOrchestration } from '../backend/testing/lease-one.js';

async function setup(t: TestContext, maxPayloadBytes?: number) {
  const { backend } = await createTestBackend(t);
  const client = new TaskHubClient({ backend, ...(maxPayloadBytes !== undefined && { maxPayloadBytes }) });
  return { backend, client };
}

const withCode =
  (code: ErrorCode) =>
  (err: unknown): boolean =>
    isDurableTaskError(err, code);

describe('scheduleNewOrchestration and getOrchestrationState', () => {
  test('schedules a PENDING instance with a generated id, JSON input, version and tags', async (t) => {
    const { client } = await setup(t);
    const id = await client.scheduleNewOrchestration(
      'process-order',
      { orderId: 7, note: 'Hello, 世界!' },
      {
        version: '2',
        tags: { team: 'billing' },
      },
    );
    assert.match(id, /^[0-9a-f-]{36}$/);
    const state = await client.getOrchestrationState(id);
    assert.ok(state);
    assert.equal(state.instanceId, id);
    assert.equal(state.name, 'process-order');
    assert.equal(state.version, '2');
    assert.equal(state.status, OrchestrationStatus.PENDING);
    assert.equal(state.input, '{"orderId":7,"note":"Hello, 世界!"}');
    assert.deepEqual(state.tags, { team: 'billing' });
    assert.ok(state.executionId.length > 0);

    const bare = await client.getOrchestrationState(id, { fetchPayloads: false });
    assert.equal(bare?.input, undefined);
    assert.equal(bare?.name, 'process-order');
  });

  test('takes the name of an orchestrator function and an explicit id', async (t) => {
    const { client } = await setup(t);
    function* approveExpense(): Generator<never, void> {}
    const id = await client.scheduleNewOrchestration(approveExpense, undefined, { instanceId: 'expense-1' });
    assert.equal(id, 'expense-1');
    const state = await client.getOrchestrationState(id);
    assert.equal(state?.name, 'approveExpense');
    assert.equal(state?.input, undefined);
  });

  test('two schedules without an id get different instances and execution ids', async (t) => {
    const { client } = await setup(t);
    const a = await client.getOrchestrationState(await client.scheduleNewOrchestration('x'));
    const b = await client.getOrchestrationState(await client.scheduleNewOrchestration('x'));
    assert.notEqual(a?.instanceId, b?.instanceId);
    assert.notEqual(a?.executionId, b?.executionId);
  });

  test('startAt becomes the scheduled start time of the ExecutionStarted event', async (t) => {
    const { backend, client } = await setup(t);
    const startAt = new Date(Date.UTC(2030, 5, 1, 12));
    const id = await client.scheduleNewOrchestration('later', undefined, { startAt });
    assert.equal((await client.getOrchestrationState(id))?.scheduledStartAt, startAt.getTime());
    // The first turn is not visible before its start time.
    assert.equal(await leaseOrchestration(backend, { lockDurationMs: 1000 }), undefined);
    assert.equal(await backend.nextDueTime(), startAt.getTime());
  });

  test('an unknown instance reads as undefined', async (t) => {
    const { client } = await setup(t);
    assert.equal(await client.getOrchestrationState('nobody'), undefined);
  });

  test('invalid ids, names and start times are InvalidArgumentError and create nothing', async (t) => {
    const { client } = await setup(t);
    const attempts: (() => Promise<unknown>)[] = [
      () => client.scheduleNewOrchestration('x', undefined, { instanceId: '' }),
      () => client.scheduleNewOrchestration('x', undefined, { instanceId: 'i'.repeat(257) }),
      () => client.scheduleNewOrchestration('x', undefined, { instanceId: 'line\nbreak' }),
      () => client.scheduleNewOrchestration(''),
      () => client.scheduleNewOrchestration(() => undefined), // an anonymous function has no name
      () => client.scheduleNewOrchestration('x', undefined, { startAt: new Date(Number.NaN) }),
      () => client.scheduleNewOrchestration('x', 10n),
      () => client.scheduleNewOrchestration('x', undefined, { tags: { n: 1 as unknown as string } }),
    ];
    for (const attempt of attempts) await assert.rejects(attempt(), withCode('INVALID_ARGUMENT'));
    assert.equal((await client.listInstanceIds()).items.length, 0);
  });

  test('an input over maxPayloadBytes is PayloadTooLargeError and creates nothing', async (t) => {
    const { client } = await setup(t, 64);
    await assert.rejects(
      client.scheduleNewOrchestration('x', 'y'.repeat(100), { instanceId: 'big' }),
      (err: unknown) => err instanceof PayloadTooLargeError && err.limit === 64 && err.size === 102,
    );
    assert.equal(await client.getOrchestrationState('big'), undefined);
    assert.equal(await client.scheduleNewOrchestration('x', 'y'.repeat(60), { instanceId: 'fits' }), 'fits');
  });

  test('a second schedule with the same id is DuplicateInstanceError and keeps the first', async (t) => {
    const { client } = await setup(t);
    await client.scheduleNewOrchestration('x', 'first', { instanceId: 'dup' });
    await assert.rejects(
      client.scheduleNewOrchestration('x', 'second', { instanceId: 'dup' }),
      (err: unknown) => err instanceof DuplicateInstanceError && err.instanceId === 'dup',
    );
    assert.equal((await client.getOrchestrationState('dup'))?.input, '"first"');
  });

  test('a reuse policy replaces an instance only in the listed statuses', async (t) => {
    const { backend, client } = await setup(t);
    await client.scheduleNewOrchestration('x', 'first', { instanceId: 'reuse' });
    const first = await client.getOrchestrationState('reuse');
    await runTurn(backend, 'reuse', { status: OrchestrationStatus.COMPLETED, output: '1' });

    await assert.rejects(
      client.scheduleNewOrchestration('x', 'second', {
        instanceId: 'reuse',
        reusePolicy: { replaceableStatuses: [OrchestrationStatus.FAILED] },
      }),
      withCode('DUPLICATE_INSTANCE'),
    );
    assert.equal((await client.getOrchestrationState('reuse'))?.status, OrchestrationStatus.COMPLETED);

    await client.scheduleNewOrchestration('x', 'second', {
      instanceId: 'reuse',
      reusePolicy: { replaceableStatuses: [OrchestrationStatus.COMPLETED, OrchestrationStatus.FAILED] },
    });
    const replaced = await client.getOrchestrationState('reuse');
    assert.equal(replaced?.status, OrchestrationStatus.PENDING);
    assert.equal(replaced?.input, '"second"');
    assert.equal(replaced?.output, undefined);
    assert.notEqual(replaced?.executionId, first?.executionId);
    assert.deepEqual(await client.getOrchestrationHistory('reuse'), [], 'the old history is gone');
  });
});

describe('events sent to an instance', () => {
  test('raise, suspend, resume and terminate reach the instance in order', async (t) => {
    const { backend, client } = await setup(t);
    const id = await client.scheduleNewOrchestration('x');
    await client.raiseOrchestrationEvent(id, 'approval', { ok: true });
    await client.suspendOrchestration(id, 'maintenance');
    await client.resumeOrchestration(id);
    await client.terminateOrchestration(id, { output: { reason: 'cancelled' }, recursive: false });
    await runTurn(backend, id, { status: OrchestrationStatus.RUNNING });

    const history = await client.getOrchestrationHistory(id);
    assert.deepEqual(
      history.map((event) => event.eventType.case),
      ['executionStarted', 'eventRaised', 'executionSuspended', 'executionResumed', 'executionTerminated'],
    );
    const [started, raised, suspended, resumed, terminated] = history;
    assert.equal(eventOf(started!, 'executionStarted')?.orchestrationInstance?.instanceId, id);
    assert.equal(eventOf(raised!, 'eventRaised')?.name, 'approval');
    assert.equal(eventOf(raised!, 'eventRaised')?.input, '{"ok":true}');
    assert.equal(eventOf(suspended!, 'executionSuspended')?.input, 'maintenance');
    assert.equal(eventOf(resumed!, 'executionResumed')?.input, undefined);
    assert.equal(eventOf(terminated!, 'executionTerminated')?.input, '{"reason":"cancelled"}');
    assert.equal(eventOf(terminated!, 'executionTerminated')?.recurse, false);
    assert.ok(timestampMs(raised!.timestamp!) > 0, 'events carry the backend time');
  });

  test('terminate is recursive by default', async (t) => {
    const { backend, client } = await setup(t);
    const id = await client.scheduleNewOrchestration('x');
    await client.terminateOrchestration(id);
    await runTurn(backend, id, { status: OrchestrationStatus.TERMINATED });
    const terminated = (await client.getOrchestrationHistory(id)).find(
      (event) => event.eventType.case === 'executionTerminated',
    );
    assert.equal(terminated && eventOf(terminated, 'executionTerminated')?.recurse, true);
  });

  test('an unknown instance is InstanceNotFoundError and no row appears', async (t) => {
    const { client } = await setup(t);
    const attempts: (() => Promise<unknown>)[] = [
      () => client.raiseOrchestrationEvent('ghost', 'e', 1),
      () => client.suspendOrchestration('ghost', 'why'),
      () => client.resumeOrchestration('ghost'),
      () => client.terminateOrchestration('ghost', { output: 'bye' }),
      () => client.rewindOrchestration('ghost'),
      () => client.restartOrchestration('ghost'),
      () => client.getOrchestrationHistory('ghost'),
      () => client.purgeOrchestration('ghost'),
    ];
    for (const attempt of attempts) await assert.rejects(attempt(), withCode('INSTANCE_NOT_FOUND'));
    assert.equal(await client.getOrchestrationState('ghost'), undefined);
    assert.equal((await client.listInstanceIds()).items.length, 0);
  });

  test('bad event names and oversized event data are refused before reaching the backend', async (t) => {
    const { client } = await setup(t, 32);
    const id = await client.scheduleNewOrchestration('x');
    await assert.rejects(client.raiseOrchestrationEvent(id, ''), withCode('INVALID_ARGUMENT'));
    await assert.rejects(
      client.raiseOrchestrationEvent(id, 'e', 'z'.repeat(40)),
      withCode('PAYLOAD_TOO_LARGE'),
    );
    await assert.rejects(
      client.terminateOrchestration(id, { output: 'z'.repeat(40) }),
      withCode('PAYLOAD_TOO_LARGE'),
    );
    await assert.rejects(client.suspendOrchestration(id, 'z'.repeat(40)), withCode('PAYLOAD_TOO_LARGE'));
  });
});

describe('history, rewind, restart and purge', () => {
  test('a pending instance has an empty history, not an error', async (t) => {
    const { client } = await setup(t);
    const id = await client.scheduleNewOrchestration('x');
    assert.deepEqual(await client.getOrchestrationHistory(id), []);
  });

  test('rewind needs a FAILED instance and then sends an ExecutionRewound event', async (t) => {
    const { backend, client } = await setup(t);
    const id = await client.scheduleNewOrchestration('x');
    await runTurn(backend, id, { status: OrchestrationStatus.RUNNING });
    await assert.rejects(
      client.rewindOrchestration(id, 'retry'),
      (err: unknown) =>
        isDurableTaskError(err, 'NOT_COMPLETED') &&
        /RUNNING; only a FAILED instance can be rewound/.test((err as Error).message),
    );

    await client.raiseOrchestrationEvent(id, 'poison');
    await runTurn(backend, id, { status: OrchestrationStatus.FAILED });
    await client.rewindOrchestration(id, 'fixed the bug');
    await runTurn(backend, id, { status: OrchestrationStatus.RUNNING });
    const rewound = (await client.getOrchestrationHistory(id)).at(-1);
    assert.equal(rewound && eventOf(rewound, 'executionRewound')?.reason, 'fixed the bug');
  });

  test('restart with a new id copies name, version, input and tags and leaves the old one', async (t) => {
    const { backend, client } = await setup(t);
    const id = await client.scheduleNewOrchestration('x', [1, 2], { version: '3', tags: { k: 'v' } });
    await runTurn(backend, id, { status: OrchestrationStatus.RUNNING });

    const copyId = await client.restartOrchestration(id, { newInstanceId: true });
    assert.notEqual(copyId, id);
    const copy = await client.getOrchestrationState(copyId);
    assert.equal(copy?.status, OrchestrationStatus.PENDING);
    assert.equal(copy?.name, 'x');
    assert.equal(copy?.version, '3');
    assert.equal(copy?.input, '[1,2]');
    assert.deepEqual(copy?.tags, { k: 'v' });
    assert.equal((await client.getOrchestrationState(id))?.status, OrchestrationStatus.RUNNING);
  });

  test('restart under the same id needs a terminal instance and replaces it', async (t) => {
    const { backend, client } = await setup(t);
    const id = await client.scheduleNewOrchestration('x', 'in', { instanceId: 'again' });
    await runTurn(backend, id, { status: OrchestrationStatus.RUNNING });
    await assert.rejects(
      client.restartOrchestration(id),
      (err: unknown) => isDurableTaskError(err, 'NOT_COMPLETED') && /same id/.test((err as Error).message),
    );

    await client.terminateOrchestration(id, { output: 'stopped' });
    await runTurn(backend, id, { status: OrchestrationStatus.TERMINATED, output: '"stopped"' });
    const before = await client.getOrchestrationState(id);
    assert.equal(await client.restartOrchestration(id), 'again');
    const after = await client.getOrchestrationState(id);
    assert.equal(after?.status, OrchestrationStatus.PENDING);
    assert.equal(after?.input, '"in"');
    assert.equal(after?.output, undefined);
    assert.notEqual(after?.executionId, before?.executionId);
  });

  test('purge refuses a running instance, removes a terminal one, then says not found', async (t) => {
    const { backend, client } = await setup(t);
    const id = await client.scheduleNewOrchestration('x');
    await assert.rejects(client.purgeOrchestration(id), withCode('NOT_COMPLETED'));
    await runTurn(backend, id, { status: OrchestrationStatus.COMPLETED });
    assert.equal(await client.purgeOrchestration(id), 1);
    assert.equal(await client.getOrchestrationState(id), undefined);
    await assert.rejects(client.purgeOrchestration(id), withCode('INSTANCE_NOT_FOUND'));
  });

  test('purge by filter removes only matching terminal instances', async (t) => {
    const { backend, client } = await setup(t);
    const done = await client.scheduleNewOrchestration('x');
    const failed = await client.scheduleNewOrchestration('x');
    const running = await client.scheduleNewOrchestration('x');
    await runTurn(backend, done, { status: OrchestrationStatus.COMPLETED });
    await runTurn(backend, failed, { status: OrchestrationStatus.FAILED });
    await runTurn(backend, running, { status: OrchestrationStatus.RUNNING });

    assert.equal(await client.purgeOrchestrations({ statuses: [OrchestrationStatus.COMPLETED] }), 1);
    assert.equal(await client.getOrchestrationState(done), undefined);
    assert.equal(await client.purgeOrchestrations({}), 1);
    assert.deepEqual((await client.listInstanceIds()).items, [running]);
  });
});
