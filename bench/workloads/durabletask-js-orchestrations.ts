import {
  whenAll,
  type ActivityContext,
  type OrchestrationContext,
  type Task,
  type TaskHubGrpcWorker,
} from '@microsoft/durabletask-js';

/**
 * The benchmark orchestrations written with @microsoft/durabletask-js (sidecar configurations):
 * the same names, activities and outputs as sdk-orchestrations.ts. This SDK's worker runs only
 * async generators.
 */

function a(_ctx: ActivityContext, x: string): string {
  return `a(${x})`;
}
function b(_ctx: ActivityContext, x: string): string {
  return `b(${x})`;
}
function c(_ctx: ActivityContext, x: string): string {
  return `c(${x})`;
}
function s(_ctx: ActivityContext, x: string): string {
  return `s(${x})`;
}
function identity(_ctx: ActivityContext, i: number): number {
  return i;
}

async function* helloSequence(
  ctx: OrchestrationContext,
  id: string,
): AsyncGenerator<unknown, string, string> {
  const first = yield ctx.callActivity(a, id);
  const second = yield ctx.callActivity(b, first);
  return yield ctx.callActivity(c, second);
}

async function* fanOutFanIn(
  ctx: OrchestrationContext,
  width: number,
): AsyncGenerator<unknown, number, number[]> {
  const tasks: Task<number>[] = [];
  for (let i = 0; i < width; i++) tasks.push(ctx.callActivity(identity, i));
  const results = yield whenAll(tasks);
  return results.reduce((sum, n) => sum + n, 0);
}

async function* singleStep(ctx: OrchestrationContext, id: string): AsyncGenerator<unknown, string, string> {
  return yield ctx.callActivity(s, id);
}

/** Registers the three orchestrations under the names in ORCHESTRATIONS, and their activities. */
export function registerDurabletaskJsOrchestrations(worker: TaskHubGrpcWorker): void {
  worker.addOrchestrator(helloSequence);
  worker.addOrchestrator(fanOutFanIn);
  worker.addOrchestrator(singleStep);
  for (const activity of [a, b, c, s, identity]) worker.addActivity(activity);
}
