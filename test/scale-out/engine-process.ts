/**
 * One engine process of the scale-out tests: a DurableTaskEngine on the PostgreSQL backend,
 * running the pipeline load, recording its turns and activity runs in the side tables.
 *
 * Usage: node --import tsx engine-process.ts <process-name> <schema> <connection-string>
 *
 * Reports on stdout, one JSON object per line: {"type":"ready"} once its worker runs,
 * {"type":"progress",...} after every change of the work it has in flight, and
 * {"type":"stopped"} after a clean stop. Stops cleanly on SIGTERM or when its stdin closes (the
 * test that started it is gone); a SIGKILL stops it mid-work, which is the point.
 */
import { PostgresBackend } from '../../src/backend/postgres/index.js';
import { createLogger, DurableTaskEngine, Registry } from '../../src/index.js';
import { ExecutionLog } from './execution-log.js';
import { registerPipeline } from './pipeline.js';
import { tracedBackend, type Progress } from './traced-backend.js';

/** Short leases so a killed process's work is taken over within seconds. */
export const LOCK_DURATION_MS = 2000;
/** Few slots, so the load lasts long enough to be split and interrupted. */
const MAX_CONCURRENT_ORCHESTRATIONS = 4;
const MAX_CONCURRENT_ACTIVITIES = 8;
/** Expired leases are found by polling (no notification announces them). */
const POLL_INTERVAL_MS = 200;

type Report = { type: 'ready' } | { type: 'stopped' } | ({ type: 'progress' } & Progress);

/** Synchronous on a pipe (Linux), so a line written before a SIGKILL reaches the parent. */
function report(line: Report): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const [processName, schema, connectionString] = process.argv.slice(2);
if (!processName || !schema || !connectionString) {
  process.stderr.write('usage: engine-process.ts <process-name> <schema> <connection-string>\n');
  process.exit(2);
}

const log = new ExecutionLog(connectionString, schema, processName);
const backend = tracedBackend(
  new PostgresBackend({ connectionString, schema, poolSize: 6, applicationName: `scale-out:${processName}` }),
  log,
  (progress) => report({ type: 'progress', ...progress }),
);
const registry = registerPipeline(
  new Registry(),
  { activityRunStarted: (instanceId, taskId) => log.activityRun(instanceId, taskId, Date.now()) },
  { turnWorkMs: 40, activityWorkMs: 150 },
);
const engine = new DurableTaskEngine({
  backend,
  registry,
  logger: createLogger('warn', `engine-${processName}`),
  worker: {
    lockDurationMs: LOCK_DURATION_MS,
    maxConcurrentOrchestrations: MAX_CONCURRENT_ORCHESTRATIONS,
    maxConcurrentActivities: MAX_CONCURRENT_ACTIVITIES,
    pollIntervalMs: POLL_INTERVAL_MS,
  },
});

let stopping: Promise<void> | undefined;
function stop(): Promise<void> {
  stopping ??= (async () => {
    try {
      await engine.client.stop();
      await engine.stop();
      await log.close();
      report({ type: 'stopped' });
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
