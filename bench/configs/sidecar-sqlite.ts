import { join } from 'node:path';
import type { BenchConfig, RunningTarget, Tuning } from './config.js';
import { startSidecarTarget } from './sidecar-target.js';

/** The sidecar process on a SQLite file (WAL, synchronous=FULL); durabletask-js worker and client. */
export const sidecarSqlite: BenchConfig = {
  name: 'sidecar-sqlite',
  description:
    'Sidecar process + SqliteBackend (file, WAL, synchronous=FULL); @microsoft/durabletask-js worker and client over gRPC',
  create(scratchDir: string, _runId: string, tuning: Tuning): Promise<RunningTarget> {
    return startSidecarTarget(
      { kind: 'sqlite', path: join(scratchDir, 'bench.db'), synchronous: 'FULL' },
      tuning,
    );
  },
};
