/**
 * The benchmark driver (WORKLOADS.md): for each configuration × workload, N fresh child
 * processes (each: fresh storage, untimed warm-up, one timed run, every result checked). Prints
 * one line per run and a table of medians; writes bench/results/<timestamp>.json and latest.json.
 *
 *   npm run bench -- [--config embedded-sqlite[,…]] [--workload W1[,…]] [--runs 3]
 *                    [--orchestration-slots N] [--activity-slots N] [--label text]
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RESULT_MARKER } from './child-protocol.js';
import { CONFIGS, findConfig, type Tuning } from './configs/index.js';
import type { ChildResult } from './result.js';
import { formatTable, summarize, type Summary } from './summary.js';
import { findWorkload, WORKLOADS } from './workloads/index.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
/** A run that takes longer than this is stuck (a lost wake-up): kill it rather than hang. */
const RUN_TIMEOUT_MS = 300_000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      workload: { type: 'string' },
      runs: { type: 'string', default: '3' },
      'orchestration-slots': { type: 'string' },
      'activity-slots': { type: 'string' },
      label: { type: 'string' },
    },
  });
  const configs = values.config ? values.config.split(',').map(findConfig) : CONFIGS;
  const workloads = values.workload ? values.workload.split(',').map(findWorkload) : WORKLOADS;
  const runs = positiveInt(values.runs, '--runs');
  const tuning: Tuning = {
    ...(values['orchestration-slots'] && {
      maxConcurrentOrchestrations: positiveInt(values['orchestration-slots'], '--orchestration-slots'),
    }),
    ...(values['activity-slots'] && {
      maxConcurrentActivities: positiveInt(values['activity-slots'], '--activity-slots'),
    }),
  };

  const startedAt = new Date().toISOString();
  const loadAverageAtStart = loadavg();
  console.log(
    `load average at start: ${loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')} ` +
      `(${cpus().length} cores); ${runs} run(s) each, median reported`,
  );
  const summaries: Summary[] = [];
  for (const config of configs) {
    for (const workload of workloads) {
      const results: ChildResult[] = [];
      for (let run = 1; run <= runs; run++) {
        const result = await runChild(config.name, workload.id, tuning);
        results.push(result);
        const headline = result.metrics[workload.headline.metric];
        console.log(
          `${config.name} ${workload.id} run ${run}/${runs}: ${workload.headline.metric}=${format(headline)} ` +
            `cpu=${format(result.metrics['cpuSeconds'])}s rss=${format(result.metrics['peakRssMiB'])}MiB ` +
            `load=${result.loadAverage1m.toFixed(2)}`,
        );
      }
      summaries.push(summarize(config.name, workload, results));
    }
  }
  console.log();
  console.log(formatTable(summaries));
  console.log(
    'medians; cpu ms/inst = CPU of every process of the configuration (engine, client, sidecar) per ' +
      'orchestration of the timed run (W2: per 100-activity fan-out); rss = peak, warm-up included',
  );

  const report = {
    startedAt,
    label: values.label,
    node: process.version,
    cores: cpus().length,
    loadAverageAtStart,
    runsPerCell: runs,
    tuning,
    summaries,
  };
  const resultsDir = join(BENCH_DIR, 'results');
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `${report.startedAt.replace(/[:.]/g, '-')}.json`);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  await writeFile(file, json);
  await writeFile(join(resultsDir, 'latest.json'), json);
  console.log(`\nwritten: ${file}`);
}

/** Spawns one fresh process for one timed run and returns what it reported. */
function runChild(config: string, workload: string, tuning: Tuning): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(BENCH_DIR, 'child.ts'),
        '--config',
        config,
        '--workload',
        workload,
        '--tuning',
        JSON.stringify(tuning),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
      if (code !== 0 || !line) {
        reject(new Error(`${config} ${workload}: run failed (exit ${code ?? signal}); output:\n${stdout}`));
        return;
      }
      resolve(JSON.parse(line.slice(RESULT_MARKER.length)) as ChildResult);
    });
  });
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} must be a positive integer, got '${text}'`);
  return n;
}

function format(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '-';
  return n >= 100 ? n.toFixed(0) : n.toFixed(2);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
