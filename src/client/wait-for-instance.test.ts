import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, test, type TestContext } from 'node:test';
import { isDurableTaskError, ShutdownError } from '../api/errors.js';
import { OrchestrationStatus } from '../api/status.js';
import { FakeClock } from '../loop/testing/fake-clock.js';
import { TaskHubClient } from './task-hub-client.js';
import { runTurn } from './testing/run-turn.js';
import { countSubscriptions, createTestBackend } from './testing/test-backend.js';
import { withoutNotifications } from './testing/without-notifications.js';

const POLL_MS = 5_000;

/** Lets every promise callback and I/O callback queued so far run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Tracks whether a promise settled, without letting a rejection go unhandled. */
function observe<T>(promise: Promise<T>): { readonly settled: boolean } {
  const state = { settled: false };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

async function setup(t: TestContext, options: { dropNotifications?: boolean } = {}) {
  const { backend: base } = await createTestBackend(t);
  const counted = countSubscriptions(options.dropNotifications ? withoutNotifications(base) : base);
  const timers = new FakeClock();
  const client = new TaskHubClient({ backend: counted.backend, clock: timers, pollIntervalMs: POLL_MS });
  /** Nothing subscribed and no timer pending: what every settled wait must leave behind. */
  const assertNoLeaks = (): void => {
    assert.equal(counted.listenerCount(), 0, 'subscriptions left open');
    assert.equal(timers.pendingCount, 0, 'timers left pending');
  };
  return { backend: base, client, timers, assertNoLeaks };
}

describe('waitForOrchestrationStart / waitForOrchestrationCompletion', () => {
  test('a start wait is woken by the notification of the first turn, with no timer firing', async (t) => {
    const { backend, client, timers, assertNoLeaks } = await setup(t);
    const id = await client.scheduleNewOrchestration('greet', 'hi');
    const wait = client.waitForOrchestrationStart(id);
    const progress = observe(wait);
    await flush();
    assert.equal(progress.settled, false, 'a PENDING instance has not started');
    assert.equal(timers.pendingCount, 1, 'only the safety-net poll is armed');

    await runTurn(backend, id, { status: OrchestrationStatus.RUNNING });
    const state = await wait; // the manual timers never advance: only the notification can wake it
    assert.equal(state.status, OrchestrationStatus.RUNNING);
    assert.equal(state.input, '"hi"');
    assertNoLeaks();
  });

  test('a completion wait ignores non-terminal updates and returns the terminal state', async (t) => {
    const { backend, client, assertNoLeaks } = await setup(t);
    const id = await client.scheduleNewOrchestration('greet');
    const wait = client.waitForOrchestrationCompletion(id, { fetchPayloads: false });
    const progress = observe(wait);
    await runTurn(backend, id, { status: OrchestrationStatus.RUNNING });
    await flush();
    assert.equal(progress.settled, false, 'RUNNING is not complete');

    await client.raiseOrchestrationEvent(id, 'go');
    await runTurn(backend, id, { status: OrchestrationStatus.COMPLETED, output: '"done"' });
    const state = await wait;
    assert.equal(state.status, OrchestrationStatus.COMPLETED);
    assert.equal(state.output, undefined, 'payloads were not requested');
    assertNoLeaks();
  });

  test('an update announced with a status the wait cannot accept is not read', async (t) => {
    const { backend, client, assertNoLeaks } = await setup(t);
    let reads = 0;
    const counting = new Proxy(backend, {
      get(target, property) {
        if (property === 'getInstance') {
          return (...args: Parameters<typeof target.getInstance>) => {
            reads++;
            return target.getInstance(...args);
          };
        }
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const countingClient = new TaskHubClient({ backend: counting });
    t.after(() => countingClient.stop());
    const id = await client.scheduleNewOrchestration('greet');
    const wait = countingClient.waitForOrchestrationCompletion(id);
    await flush();
    assert.equal(reads, 1, 'the first read');
    await runTurn(backend, id, { status: OrchestrationStatus.RUNNING });
    await flush();
    assert.equal(reads, 1, 'a RUNNING update cannot complete the wait: not read');
    await client.raiseOrchestrationEvent(id, 'go');
    await runTurn(backend, id, { status: OrchestrationStatus.COMPLETED, output: '"done"' });
    assert.equal((await wait).status, OrchestrationStatus.COMPLETED);
    assert.equal(reads, 2);
    assertNoLeaks();
  });

  test('returns at once when the instance already satisfies the wait', async (t) => {
    const { backend, client, assertNoLeaks } = await setup(t);
    const id = await client.scheduleNewOrchestration('greet');
    await runTurn(backend, id, { status: OrchestrationStatus.FAILED });
    const state = await client.waitForOrchestrationCompletion(id);
    assert.equal(state.status, OrchestrationStatus.FAILED);
    assertNoLeaks();
  });

  test('with notifications lost, the safety-net poll still finishes the wait', async (t) => {
    const { backend, client, timers, assertNoLeaks } = await setup(t, { dropNotifications: true });
    const id = await client.scheduleNewOrchestration('greet');
    const wait = client.waitForOrchestrationStart(id);
    const progress = observe(wait);
    await flush();
    await runTurn(backend, id, { status: OrchestrationStatus.RUNNING });
    await flush();
    assert.equal(progress.settled, false, 'nothing woke the wait yet');

    timers.advance(POLL_MS);
    assert.equal((await wait).status, OrchestrationStatus.RUNNING);
    assertNoLeaks();
  });

  test('times out with TimeoutError and leaves nothing behind', async (t) => {
    const { client, timers, assertNoLeaks } = await setup(t);
    const id = await client.scheduleNewOrchestration('greet');
    const wait = client.waitForOrchestrationCompletion(id, { timeoutMs: 12_000 });
    const progress = observe(wait);
    await flush();
    timers.advance(11_999); // polls twice on the way, each re-reading a PENDING instance
    await flush();
    assert.equal(progress.settled, false);

    timers.advance(1);
    await assert.rejects(
      wait,
      (err: unknown) => isDurableTaskError(err, 'TIMEOUT') && (err as Error).message.includes(id),
    );
    assertNoLeaks();
  });

  test('an abort rejects with the signal reason and removes every listener', async (t) => {
    const { client, assertNoLeaks } = await setup(t);
    const id = await client.scheduleNewOrchestration('greet');
    const controller = new AbortController();
    const wait = client.waitForOrchestrationCompletion(id, { signal: controller.signal, timeoutMs: 60_000 });
    await flush();
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);

    const reason = new Error('caller gave up');
    controller.abort(reason);
    await assert.rejects(wait, (err: unknown) => err === reason);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    assertNoLeaks();
  });

  test('an already aborted signal rejects without subscribing', async (t) => {
    const { client, assertNoLeaks } = await setup(t);
    const id = await client.scheduleNewOrchestration('greet');
    const signal = AbortSignal.abort(new Error('too late'));
    await assert.rejects(client.waitForOrchestrationStart(id, { signal }), /too late/);
    assertNoLeaks();
  });

  test('a settled wait removes its abort listener from a long-lived signal', async (t) => {
    const { backend, client, assertNoLeaks } = await setup(t);
    const controller = new AbortController();
    const id = await client.scheduleNewOrchestration('greet');
    const wait = client.waitForOrchestrationStart(id, { signal: controller.signal });
    await runTurn(backend, id, { status: OrchestrationStatus.RUNNING });
    await wait;
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    assertNoLeaks();
  });

  test('an unknown instance is InstanceNotFoundError', async (t) => {
    const { client, assertNoLeaks } = await setup(t);
    await assert.rejects(client.waitForOrchestrationStart('nobody'), (err: unknown) =>
      isDurableTaskError(err, 'INSTANCE_NOT_FOUND'),
    );
    assertNoLeaks();
  });

  test('an instance purged while the wait slept is InstanceNotFoundError at the next read', async (t) => {
    // Notifications are dropped so the instance can complete and be purged between two reads.
    const { backend, client, timers, assertNoLeaks } = await setup(t, { dropNotifications: true });
    const id = await client.scheduleNewOrchestration('greet');
    const wait = client.waitForOrchestrationStart(id);
    await flush();
    await runTurn(backend, id, { status: OrchestrationStatus.COMPLETED });
    assert.equal(await client.purgeOrchestration(id), 1);

    timers.advance(POLL_MS);
    await assert.rejects(wait, (err: unknown) => isDurableTaskError(err, 'INSTANCE_NOT_FOUND'));
    assertNoLeaks();
  });

  test('a bad timeout or id is refused before anything is armed', async (t) => {
    const { client, assertNoLeaks } = await setup(t);
    await assert.rejects(client.waitForOrchestrationStart('x', { timeoutMs: -1 }), (err: unknown) =>
      isDurableTaskError(err, 'INVALID_ARGUMENT'),
    );
    await assert.rejects(client.waitForOrchestrationStart(''), (err: unknown) =>
      isDurableTaskError(err, 'INVALID_ARGUMENT'),
    );
    assertNoLeaks();
  });

  test('stop() answers every pending wait with ShutdownError', async (t) => {
    const { client, assertNoLeaks } = await setup(t);
    const id = await client.scheduleNewOrchestration('greet');
    const first = client.waitForOrchestrationStart(id);
    const second = client.waitForOrchestrationCompletion(id);
    await flush();
    await client.stop();
    await assert.rejects(first, ShutdownError);
    await assert.rejects(second, ShutdownError);
    await assert.rejects(client.waitForOrchestrationStart(id), ShutdownError);
    assertNoLeaks();
  });
});
