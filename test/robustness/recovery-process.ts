/**
 * One engine process of the recovery tests: a DurableTaskEngine with the default worker options
 * (lease length, renewal, polling: what users get) on a SQLite file or a PostgreSQL schema.
 *
 * Usage: node --import tsx recovery-process.ts <json config>
 *   { "store": "sqlite" | "postgres", "path"?: string, "connectionString"?: string,
 *     "schema"?: string, "activityMs": number, "lockDurationMs"?: number, "start"?: string[],
 *     "await"?: string[] }
 * Starts the instances named in `start` (each calls one activity that sleeps `activityMs`), then
 * waits for every instance in `await` to complete.
 *
 * Reports on stdout, one JSON object per line, each with `at` (epoch ms): ready, activity (an
 * activity run started: instanceId), completed (instanceId, output). A SIGKILL stops it mid-work,
 * which is the point; SIGTERM or a closed stdin stops it cleanly.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PostgresBackend } from '../../src/backend/postgres/index.js';
import { SqliteBackend } from '../../src/backend/sqlite/index.js';
import type { Backend } from '../../src/backend/backend.js';
import {
  createLogger,
  DurableTaskEngine,
  Registry,
  type ActivityContext,
  type AsyncOrchestratorGenerator,
  type OrchestrationContext,
} from '../../src/index.js';

export interface RecoveryConfig {
  readonly store: 'sqlite' | 'postgres';
  readonly path?: string;
  readonly connectionString?: string;
  readonly schema?: string;
  readonly activityMs: number;
  /** Lease length; absent: the default. */
  readonly lockDurationMs?: number;
  readonly start?: readonly string[];
  readonly await?: readonly string[];
}

export const RECOVERY_ORCHESTRATION = 'recoveryOne';

function report(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...line, at: Date.now() })}\n`);
}

const config = JSON.parse(process.argv[2] ?? '{}') as RecoveryConfig;
const backend: Backend =
  config.store === 'sqlite'
    ? new SqliteBackend({ path: config.path ?? 'recovery.db' })
    : new PostgresBackend({
        connectionString: config.connectionString ?? '',
        schema: config.schema ?? 'recovery',
        poolSize: 4,
        applicationName: 'recovery-test',
      });

async function slowStep(ctx: ActivityContext, input: string): Promise<string> {
  report({ type: 'activity', instanceId: ctx.orchestrationId });
  await sleep(config.activityMs);
  return `${input}!`;
}

async function* recoveryOne(ctx: OrchestrationContext, input: string): AsyncOrchestratorGenerator<string> {
  const result = (yield ctx.callActivity(slowStep, input)) as string;
  return result;
}

const registry = new Registry().addOrchestrator(recoveryOne).addActivity(slowStep);
const engine = new DurableTaskEngine({
  backend,
  registry,
  logger: createLogger('warn', 'recovery'),
  ...(config.lockDurationMs !== undefined && { worker: { lockDurationMs: config.lockDurationMs } }),
});

let stopping: Promise<void> | undefined;
function stop(): Promise<void> {
  stopping ??= (async () => {
    try {
      await engine.client.stop();
      await engine.stop();
    } finally {
      process.exit(0);
    }
  })();
  return stopping;
}
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();

await engine.start();
report({ type: 'ready' });
for (const instanceId of config.start ?? []) {
  await engine.client.scheduleNewOrchestration(recoveryOne, instanceId, { instanceId });
}
await Promise.all(
  (config.await ?? []).map(async (instanceId) => {
    const state = await engine.client.waitForOrchestrationCompletion(instanceId, { timeoutMs: 120_000 });
    report({ type: 'completed', instanceId, output: state.output });
  }),
);
