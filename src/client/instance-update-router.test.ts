import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OrchestrationStatus } from '../api/status.js';
import type { Backend, BackendNotification } from '../backend/backend.js';
import { InstanceUpdateRouter } from './instance-update-router.js';

/** A backend with only `subscribe`, whose notifications the test emits by hand. */
function fakeBackend(options: { failSubscribe?: boolean } = {}) {
  const listeners = new Set<(notification: BackendNotification) => void>();
  let subscribeCalls = 0;
  const backend = {
    subscribe(listener: (notification: BackendNotification) => void) {
      subscribeCalls++;
      if (options.failSubscribe) throw new Error('closed');
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  } as unknown as Backend;
  return {
    backend,
    emit: (notification: BackendNotification) => [...listeners].forEach((l) => l(notification)),
    get open() {
      return listeners.size;
    },
    get subscribeCalls() {
      return subscribeCalls;
    },
  };
}

describe('InstanceUpdateRouter', () => {
  test('routes updates by instance id over one subscription', () => {
    const fake = fakeBackend();
    const router = new InstanceUpdateRouter(fake.backend);
    const seen: string[] = [];
    router.watch('a', () => seen.push('a1'));
    router.watch('a', () => seen.push('a2'));
    router.watch('b', () => seen.push('b'));
    assert.equal(fake.subscribeCalls, 1);
    assert.equal(fake.open, 1);

    fake.emit({ kind: 'instance-updated', instanceId: 'a' });
    fake.emit({ kind: 'orchestration-work' });
    fake.emit({ kind: 'instance-updated', instanceId: 'c' });
    fake.emit({ kind: 'instance-updated', instanceId: 'b' });
    assert.deepEqual(seen, ['a1', 'a2', 'b']);
  });

  test('passes the announced status on', () => {
    const fake = fakeBackend();
    const router = new InstanceUpdateRouter(fake.backend);
    const statuses: (OrchestrationStatus | undefined)[] = [];
    router.watch('a', (status) => statuses.push(status));
    fake.emit({ kind: 'instance-updated', instanceId: 'a', status: OrchestrationStatus.COMPLETED });
    fake.emit({ kind: 'instance-updated', instanceId: 'a' });
    assert.deepEqual(statuses, [OrchestrationStatus.COMPLETED, undefined]);
  });

  test('unsubscribes from the backend when the last watch ends, and subscribes again later', () => {
    const fake = fakeBackend();
    const router = new InstanceUpdateRouter(fake.backend);
    const stopA = router.watch('a', () => undefined);
    const stopB = router.watch('b', () => undefined);
    stopA();
    stopA(); // idempotent
    assert.equal(fake.open, 1);
    assert.equal(router.size, 1);
    stopB();
    assert.equal(fake.open, 0);
    assert.equal(router.size, 0);

    let calls = 0;
    router.watch('a', () => calls++);
    fake.emit({ kind: 'instance-updated', instanceId: 'a' });
    assert.equal(calls, 1);
    assert.equal(fake.subscribeCalls, 2);
  });

  test('a watcher that unwatches another during delivery does not break the delivery', () => {
    const fake = fakeBackend();
    const router = new InstanceUpdateRouter(fake.backend);
    const calls: string[] = [];
    let stopSecond = (): void => undefined;
    router.watch('a', () => {
      calls.push('first');
      stopSecond();
    });
    stopSecond = router.watch('a', () => calls.push('second'));
    fake.emit({ kind: 'instance-updated', instanceId: 'a' });
    fake.emit({ kind: 'instance-updated', instanceId: 'a' });
    assert.deepEqual(calls, ['first', 'second', 'first']);
  });

  test('a failed subscription throws and leaves no watch behind', () => {
    const fake = fakeBackend({ failSubscribe: true });
    const router = new InstanceUpdateRouter(fake.backend);
    assert.throws(() => router.watch('a', () => undefined), /closed/);
    assert.equal(router.size, 0);
  });
});
