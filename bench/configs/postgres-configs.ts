import { PostgresBackend } from '../../src/backend/postgres/index.js';
import type { BenchConfig, RunningTarget, Tuning } from './config.js';
import { startEmbedded } from './embedded-sqlite.js';
import { startSidecarTarget } from './sidecar-target.js';
import { dropPostgresSchema, throwawayPostgresSchema } from './stores.js';

/** DurableTaskEngine on PostgreSQL (synchronous_commit=on), a throwaway schema per run. */
export const embeddedPostgres: BenchConfig = {
  name: 'embedded-postgres',
  description: 'DurableTaskEngine + PostgresBackend (synchronous_commit=on, throwaway schema), our SDK',
  async create(_scratchDir: string, runId: string, tuning: Tuning): Promise<RunningTarget> {
    const store = await throwawayPostgresSchema(runId);
    const target = await startEmbedded(new PostgresBackend(store), tuning);
    return dropSchemaOnStop(target, store.schema);
  },
};

/** The sidecar process on PostgreSQL; durabletask-js worker and client. */
export const sidecarPostgres: BenchConfig = {
  name: 'sidecar-postgres',
  description:
    'Sidecar process + PostgresBackend (synchronous_commit=on, throwaway schema); @microsoft/durabletask-js worker and client over gRPC',
  async create(_scratchDir: string, runId: string, tuning: Tuning): Promise<RunningTarget> {
    const store = await throwawayPostgresSchema(runId);
    return dropSchemaOnStop(await startSidecarTarget(store, tuning), store.schema);
  },
};

function dropSchemaOnStop(target: RunningTarget, schema: string): RunningTarget {
  return {
    ...target,
    async stop() {
      try {
        await target.stop();
      } finally {
        await dropPostgresSchema(schema);
      }
    },
  };
}
