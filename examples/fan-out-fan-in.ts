/**
 * Fan-out/fan-in: an orchestration starts one activity per work item, lets them run in parallel,
 * waits for all of them and aggregates the results. Run:
 * `node --import tsx examples/fan-out-fan-in.ts`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DurableTaskEngine,
  OrchestrationStatus,
  Registry,
  SqliteBackend,
  statusName,
  type ActivityContext,
  type OrchestrationContext,
  type OrchestratorGenerator,
} from '../src/index.js';

const DOCUMENTS = Array.from({ length: 10 }, (_, index) => `report-${index + 1}.txt`);

function listDocuments(_ctx: ActivityContext): string[] {
  return DOCUMENTS;
}

/** Pretends to read a document (200 ms) and returns its size. */
async function measureDocument(_ctx: ActivityContext, name: string): Promise<number> {
  await sleep(200);
  return name.length * 100;
}

function* totalSize(ctx: OrchestrationContext): OrchestratorGenerator<{ documents: number; bytes: number }> {
  const names = (yield ctx.callActivity(listDocuments)) as string[];
  const sizes = (yield ctx.whenAll(names.map((name) => ctx.callActivity(measureDocument, name)))) as number[];
  return { documents: sizes.length, bytes: sizes.reduce((sum, size) => sum + size, 0) };
}

const dir = await mkdtemp(join(tmpdir(), 'durabletask-example-'));
const engine = new DurableTaskEngine({
  backend: new SqliteBackend({ path: join(dir, 'fan-out.db') }),
  registry: new Registry().addActivity(listDocuments).addActivity(measureDocument).addOrchestrator(totalSize),
  worker: { maxConcurrentActivities: 10 },
});
try {
  await engine.start();
  const started = Date.now();
  const id = await engine.client.scheduleNewOrchestration(totalSize);
  const state = await engine.client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 });
  console.log(`Orchestration ${id}: ${statusName(state.status)} in ${Date.now() - started} ms`);
  console.log(`Result: ${state.output ?? '(none)'}`);
  if (state.status !== OrchestrationStatus.COMPLETED) process.exitCode = 1;
} finally {
  await engine.client.stop();
  await engine.stop();
  await rm(dir, { recursive: true, force: true });
}
