import type { Backend } from '../../backend/backend.js';

/**
 * The same backend with its notifications swallowed: subscribers hear nothing. Tests use it to
 * show that a wait still finishes by its safety-net poll when a notification is lost.
 */
export function withoutNotifications(backend: Backend): Backend {
  return new Proxy(backend, {
    get(target, property) {
      if (property === 'subscribe') return () => () => undefined;
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
