/**
 * One engine process for bench/pg-engines.ts: a DurableTaskEngine (worker with the bench
 * orchestrations) on a PostgreSQL schema shared with other such processes. Speaks lines on
 * stdin/stdout: prints `READY` once started; answers `cpu` with its CPU microseconds so far;
 * `stop` (or stdin closing) stops the engine and exits.
 *
 *   node --import tsx bench/pg-engine-process.ts <connectionString> <schema> [tuning-json]
 */
import { createInterface } from 'node:readline';
import { PostgresBackend } from '../src/backend/postgres/index.js';
import { DurableTaskEngine } from '../src/embedded/index.js';
import { Registry } from '../src/sdk/registry.js';
import type { Tuning } from './configs/config.js';
import { registerSdkOrchestrations } from './workloads/sdk-orchestrations.js';

async function main(): Promise<void> {
  const [connectionString, schema, tuningJson] = process.argv.slice(2);
  if (!connectionString || !schema) throw new Error('usage: pg-engine-process <connectionString> <schema>');
  const tuning = JSON.parse(tuningJson ?? '{}') as Tuning;
  const engine = new DurableTaskEngine({
    backend: new PostgresBackend({ connectionString, schema }),
    registry: registerSdkOrchestrations(new Registry()),
    worker: tuning,
  });
  await engine.start();
  process.stdout.write('READY\n');
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= engine.stop().then(() => {
      process.exit(0);
    }));
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.stdout.write(`CPU ${user + system}\n`);
    } else if (line === 'stop') {
      void stop();
    }
  });
  lines.on('close', () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err instanceof Error ? err.stack : err)}\n`);
  process.exit(1);
});
