import { join } from 'node:path';
import { statusName } from '../../src/api/status.js';
import { SqliteBackend } from '../../src/backend/sqlite/index.js';
import { DurableTaskEngine } from '../../src/embedded/index.js';
import type { Backend } from '../../src/backend/backend.js';
import { Registry } from '../../src/sdk/registry.js';
import { registerSdkOrchestrations } from '../workloads/sdk-orchestrations.js';
import type { BenchConfig, RunningTarget, Tuning } from './config.js';

/** DurableTaskEngine on a SQLite file (WAL, synchronous=FULL): the durable embedded default. */
export const embeddedSqlite: BenchConfig = {
  name: 'embedded-sqlite',
  description: 'DurableTaskEngine + SqliteBackend (file, WAL, synchronous=FULL), our SDK',
  async create(scratchDir: string, _runId: string, tuning: Tuning): Promise<RunningTarget> {
    const backend = new SqliteBackend({ path: join(scratchDir, 'bench.db'), synchronous: 'FULL' });
    return startEmbedded(backend, tuning);
  },
};

/**
 * The same with synchronous=NORMAL: commits are not fsynced (WAL still keeps the file consistent;
 * power loss may drop the last commits). Not durable: never a headline figure, only to show what
 * fsync costs.
 */
export const embeddedSqliteNormal: BenchConfig = {
  name: 'embedded-sqlite-normal',
  description: 'as embedded-sqlite but synchronous=NORMAL (NOT durable on power loss)',
  async create(scratchDir: string, _runId: string, tuning: Tuning): Promise<RunningTarget> {
    const backend = new SqliteBackend({ path: join(scratchDir, 'bench.db'), synchronous: 'NORMAL' });
    return startEmbedded(backend, tuning);
  },
};

/** Starts a DurableTaskEngine on `backend` with the bench orchestrations, as a bench target. */
export async function startEmbedded(backend: Backend, tuning: Tuning): Promise<RunningTarget> {
  const engine = new DurableTaskEngine({
    backend,
    registry: registerSdkOrchestrations(new Registry()),
    worker: tuning,
  });
  await engine.start();
  const { client } = engine;
  return {
    schedule: (orchestration, input) => client.scheduleNewOrchestration(orchestration, input),
    async waitForCompletion(instanceId) {
      const state = await client.waitForOrchestrationCompletion(instanceId);
      return { status: statusName(state.status), output: state.output };
    },
    async stop() {
      await client.stop();
      await engine.stop();
    },
  };
}
