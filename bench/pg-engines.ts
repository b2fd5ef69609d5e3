/**
 * Scale-out on one PostgreSQL schema: the same workload with 1, 2, … engine processes sharing the
 * task hub. Each engine runs in its own process (bench/pg-engine-process.ts); this process only
 * runs the client (schedules and waits). Engine counts alternate within each round, so a drift in
 * the machine's load touches every count alike. Prints one line per run and the medians.
 *
 *   node --import tsx bench/pg-engines.ts [--engines 1,2] [--workload W1,W2] [--runs 3]
 *                                         [--orchestration-slots N] [--activity-slots N]
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { statusName } from '../src/api/status.js';
import { PostgresBackend } from '../src/backend/postgres/index.js';
import { TaskHubClient } from '../src/client/index.js';
import type { Tuning } from './configs/config.js';
import { BENCH_DATABASE_URL, dropPostgresSchema, throwawayPostgresSchema } from './configs/stores.js';
import { findWorkload, warmUp, type BenchTarget, type Metrics, type Workload } from './workloads/index.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
/** A run that takes longer than this is stuck: give up rather than hang. */
const RUN_TIMEOUT_MS = 300_000;

/** One engine process and its line-based control channel. */
class EngineProcess {
  readonly #child: ChildProcessByStdio<Writable, Readable, null>;
  readonly #lines: Interface;
  readonly #waiting: ((line: string) => void)[] = [];
  readonly #exited: Promise<void>;

  constructor(schema: string, tuning: Tuning) {
    this.#child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(BENCH_DIR, 'pg-engine-process.ts'),
        BENCH_DATABASE_URL,
        schema,
        JSON.stringify(tuning),
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    this.#lines = createInterface({ input: this.#child.stdout });
    this.#lines.on('line', (line) => this.#waiting.shift()?.(line));
    this.#exited = new Promise((resolve) => this.#child.on('exit', () => resolve()));
  }

  /** The next line it prints (READY, CPU …). */
  #nextLine(): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('engine process did not answer')), 60_000);
      this.#waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  }

  async ready(): Promise<void> {
    const line = await this.#nextLine();
    if (line !== 'READY') throw new Error(`engine process said '${line}' instead of READY`);
  }

  async cpuMicros(): Promise<number> {
    const answer = this.#nextLine();
    this.#child.stdin.write('cpu\n');
    const line = await answer;
    if (!line.startsWith('CPU ')) throw new Error(`engine process said '${line}' instead of CPU`);
    return Number(line.slice(4));
  }

  async stop(): Promise<void> {
    this.#child.stdin.end('stop\n');
    const killer = setTimeout(() => this.#child.kill('SIGKILL'), 30_000);
    await this.#exited;
    clearTimeout(killer);
    this.#lines.close();
  }
}

async function runOnce(engines: number, workload: Workload, tuning: Tuning): Promise<Metrics> {
  const store = await throwawayPostgresSchema(`e${engines}_${process.pid}_${Date.now()}`);
  const processes: EngineProcess[] = [];
  const backend = new PostgresBackend({ connectionString: store.connectionString, schema: store.schema });
  const client = new TaskHubClient({ backend });
  try {
    // The first engine creates the schema; the others then start against it.
    for (let i = 0; i < engines; i++) {
      const engine = new EngineProcess(store.schema, tuning);
      processes.push(engine);
      await engine.ready();
    }
    await backend.start();
    const target: BenchTarget = {
      schedule: (orchestration, input) => client.scheduleNewOrchestration(orchestration, input),
      async waitForCompletion(instanceId) {
        const state = await client.waitForOrchestrationCompletion(instanceId);
        return { status: statusName(state.status), output: state.output };
      },
    };
    await warmUp(target);
    const cpuBefore = await Promise.all(processes.map((p) => p.cpuMicros()));
    const clientCpuBefore = process.cpuUsage();
    const metrics = await withTimeout(workload.run(target), RUN_TIMEOUT_MS);
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const cpuAfter = await Promise.all(processes.map((p) => p.cpuMicros()));
    const engineMicros = cpuAfter.reduce((sum, after, i) => sum + after - (cpuBefore[i] ?? 0), 0);
    const cpuSeconds = (engineMicros + clientCpu.user + clientCpu.system) / 1e6;
    return { ...metrics, cpuSeconds, cpuMsPerInstance: (cpuSeconds * 1000) / workload.instances };
  } finally {
    await client.stop();
    await backend.stop();
    await Promise.all(processes.map((p) => p.stop()));
    await dropPostgresSchema(store.schema);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`run did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      engines: { type: 'string', default: '1,2' },
      workload: { type: 'string', default: 'W1,W2' },
      runs: { type: 'string', default: '3' },
      'orchestration-slots': { type: 'string' },
      'activity-slots': { type: 'string' },
    },
  });
  const engineCounts = values.engines.split(',').map(Number);
  const workloads = values.workload.split(',').map(findWorkload);
  const runs = Number(values.runs);
  const tuning: Tuning = {
    ...(values['orchestration-slots'] && {
      maxConcurrentOrchestrations: Number(values['orchestration-slots']),
    }),
    ...(values['activity-slots'] && { maxConcurrentActivities: Number(values['activity-slots']) }),
  };
  for (const workload of workloads) {
    const results = new Map<number, Metrics[]>();
    for (let run = 1; run <= runs; run++) {
      for (const engines of engineCounts) {
        const metrics = await runOnce(engines, workload, tuning);
        results.set(engines, [...(results.get(engines) ?? []), metrics]);
        const headline = metrics[workload.headline.metric] ?? NaN;
        console.log(
          `${workload.id} engines=${engines} run ${run}/${runs}: ${workload.headline.metric}=${headline.toFixed(1)} ` +
            `cpuMsPerInstance=${(metrics['cpuMsPerInstance'] ?? NaN).toFixed(2)}`,
        );
      }
    }
    for (const [engines, list] of results) {
      const keys = Object.keys(list[0] ?? {});
      const medians = keys.map((key) => `${key}=${median(list.map((m) => m[key] ?? NaN)).toFixed(1)}`);
      console.log(`${workload.id} engines=${engines} medians: ${medians.join(' ')}`);
    }
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
