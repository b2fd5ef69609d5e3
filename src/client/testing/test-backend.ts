import type { TestContext } from 'node:test';
import type { Backend, BackendNotification } from '../../backend/backend.js';
import { SqliteBackend } from '../../backend/sqlite/index.js';

export interface TestBackend {
  readonly backend: Backend;
  /** Subscriptions currently open through `backend` (a leak check for waits). */
  listenerCount(): number;
}

/**
 * The backend the client tests run on: a started in-memory SqliteBackend, stopped when the test
 * ends, with its subscriptions counted. The clock ticks one millisecond per read so creation
 * times are distinct and queries have a stable order.
 */
export async function createTestBackend(t: TestContext): Promise<TestBackend> {
  let clock = Date.UTC(2026, 0, 1);
  const backend = new SqliteBackend({ path: ':memory:', clock: { now: () => clock++ } });
  await backend.start();
  t.after(() => backend.stop());
  return countSubscriptions(backend);
}

/** Wraps a backend so the subscriptions opened through it (and not yet closed) are counted. */
export function countSubscriptions(inner: Backend): TestBackend {
  let open = 0;
  const subscribe = (listener: (notification: BackendNotification) => void): (() => void) => {
    const unsubscribe = inner.subscribe(listener);
    open += 1;
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      open -= 1;
      unsubscribe();
    };
  };
  const backend = new Proxy(inner, {
    get(target, property) {
      if (property === 'subscribe') return subscribe;
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { backend, listenerCount: () => open };
}
