import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendConformanceSuite } from '../testing/conformance.js';
import { FakeClock } from '../../loop/testing/fake-clock.js';
import { SqliteBackend } from './sqlite-backend.js';

backendConformanceSuite('sqlite :memory: (fake clock)', async () => {
  const clock = new FakeClock();
  const backend = new SqliteBackend({ path: ':memory:', clock });
  await backend.start();
  return { backend, clock, cleanup: () => backend.stop() };
});

// A real file on the real clock: exercises WAL, durability settings and the suite's real-time path.
backendConformanceSuite('sqlite file (real clock)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'durabletask-sqlite-'));
  const backend = new SqliteBackend({ path: join(dir, 'test.db') });
  await backend.start();
  return {
    backend,
    cleanup: async () => {
      await backend.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
