/**
 * Retention at scale: purging a large backlog of completed instances while W1 runs.
 *
 *   node --import tsx bench/purge-under-load.ts [--store sqlite|postgres] [--instances 1000000]
 *        [--batch-size 200] [--pause-ms 20] [--runs 3]
 *
 * Seeds the store with copies of one real completed hello sequence (its rows byte for byte),
 * measures W1 (500 hello sequences at once) on its own, then again while a RetentionSweeper
 * purges the whole backlog, and prints both medians, their ratio and the purge rate.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RetentionSweeper } from '../src/retention/index.js';
import { startEmbedded } from './configs/embedded-sqlite.js';
import {
  createBackend,
  dropPostgresSchema,
  throwawayPostgresSchema,
  type StoreSpec,
} from './configs/stores.js';
import { seedCompleted } from './scale/seed-completed.js';
import { runHelloSequences } from './workloads/hello-sequence.js';
import { nowMs } from './workloads/stats.js';
import { ORCHESTRATIONS } from './workloads/workload.js';

const W1_INSTANCES = 500;

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'sqlite' },
    instances: { type: 'string', default: '1000000' },
    'batch-size': { type: 'string', default: '200' },
    'pause-ms': { type: 'string', default: '20' },
    runs: { type: 'string', default: '3' },
  },
});
const count = Number(values.instances);
const runs = Number(values.runs);
const dir = await mkdtemp(join(tmpdir(), 'durabletask-purge-bench-'));
const spec: StoreSpec =
  values.store === 'postgres'
    ? await throwawayPostgresSchema(`purge_${process.pid}`)
    : { kind: 'sqlite', path: join(dir, 'bench.db'), synchronous: 'FULL' };
const backend = createBackend(spec);
const target = await startEmbedded(backend, {});

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function w1(prefix: string): Promise<number> {
  const startedAt = nowMs();
  await runHelloSequences(target, W1_INSTANCES, prefix);
  return W1_INSTANCES / ((nowMs() - startedAt) / 1000);
}

try {
  const templateId = await target.schedule(ORCHESTRATIONS.helloSequence, 'template');
  await target.waitForCompletion(templateId);
  const seedStart = nowMs();
  await seedCompleted(spec, templateId, count, Date.now(), (done) => {
    if (done % 200_000 === 0 || done === count) process.stdout.write(`seeded ${done}/${count}\n`);
  });
  console.log(`seeded ${count} completed instances in ${((nowMs() - seedStart) / 1000).toFixed(1)} s`);

  await w1('warm');
  const alone: number[] = [];
  for (let i = 0; i < runs; i++) alone.push(await w1(`alone${i}`));

  const sweeper = new RetentionSweeper(backend, {
    policy: { completed: 30 * 60_000 },
    batchSize: Number(values['batch-size']),
    pauseMs: Number(values['pause-ms']),
  });
  const purgeStart = nowMs();
  let purgeMs = 0;
  const purging = sweeper.sweep().then((n) => {
    purgeMs = nowMs() - purgeStart;
    return n;
  });
  const during: number[] = [];
  let settled = false;
  void purging.finally(() => (settled = true));
  while (!settled || during.length === 0) during.push(await w1(`during${during.length}`));
  const purged = await purging;

  console.log();
  console.log(
    `store: ${values.store}, backlog ${count} completed instances, batch ${values['batch-size']}, pause ${values['pause-ms']} ms`,
  );
  console.log(
    `W1 alone:        ${median(alone).toFixed(0)} inst/s (median of ${alone.length}: ${alone.map((x) => x.toFixed(0)).join(', ')})`,
  );
  console.log(
    `W1 during purge: ${median(during).toFixed(0)} inst/s (median of ${during.length}: ${during.map((x) => x.toFixed(0)).join(', ')})`,
  );
  console.log(`ratio:           ${(median(during) / median(alone)).toFixed(2)}`);
  console.log(
    `purged:          ${purged} in ${(purgeMs / 1000).toFixed(1)} s (${(purged / (purgeMs / 1000)).toFixed(0)} instances/s)`,
  );
} finally {
  await target.stop();
  if (spec.kind === 'postgres') await dropPostgresSchema(spec.schema);
  await rm(dir, { recursive: true, force: true });
}
