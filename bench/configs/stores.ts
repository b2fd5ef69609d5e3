import type { Backend } from '../../src/backend/backend.js';
import { SqliteBackend } from '../../src/backend/sqlite/index.js';

/** A store as plain data, so a configuration can hand it to a sidecar process. */
export type StoreSpec = {
  readonly kind: 'sqlite';
  readonly path: string;
  readonly synchronous: 'FULL' | 'NORMAL';
};

export function createBackend(spec: StoreSpec): Backend {
  switch (spec.kind) {
    case 'sqlite':
      return new SqliteBackend({ path: spec.path, synchronous: spec.synchronous });
  }
}
