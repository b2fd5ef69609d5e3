/**
 * Function chaining: an orchestration calls three activities one after the other, each durable,
 * and returns their results. Run: `node --import tsx examples/sequence.ts`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

function sayHello(_ctx: ActivityContext, city: string): string {
  return `Hello, ${city}!`;
}

function* helloCities(ctx: OrchestrationContext, cities: string[]): OrchestratorGenerator<string[]> {
  const greetings: string[] = [];
  for (const city of cities) {
    // Each yield is a checkpoint: after a crash the orchestration resumes from history.
    const greeting = (yield ctx.callActivity(sayHello, city)) as string;
    greetings.push(greeting);
  }
  return greetings;
}

const dir = await mkdtemp(join(tmpdir(), 'durabletask-example-'));
const engine = new DurableTaskEngine({
  backend: new SqliteBackend({ path: join(dir, 'sequence.db') }),
  registry: new Registry().addActivity(sayHello).addOrchestrator(helloCities),
});
try {
  await engine.start();
  const id = await engine.client.scheduleNewOrchestration(helloCities, ['Tokyo', 'Seattle', 'London']);
  const state = await engine.client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 });
  console.log(`Orchestration ${id}: ${statusName(state.status)}`);
  console.log(`Result: ${state.output ?? '(none)'}`);
  if (state.status !== OrchestrationStatus.COMPLETED) process.exitCode = 1;
} finally {
  await engine.client.stop();
  await engine.stop();
  await rm(dir, { recursive: true, force: true });
}
