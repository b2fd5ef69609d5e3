import type { ActivityContext } from '../../src/sdk/activity.js';
import { whenAll } from '../../src/sdk/composite-tasks.js';
import type { OrchestrationContext } from '../../src/sdk/context.js';
import type { OrchestratorGenerator } from '../../src/sdk/orchestrator.js';
import type { Registry } from '../../src/sdk/registry.js';
import type { Task } from '../../src/sdk/tasks.js';

/** The benchmark orchestrations written with our SDK (embedded configurations). */

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

function* helloSequence(ctx: OrchestrationContext, id: string): OrchestratorGenerator<string> {
  const first = (yield ctx.callActivity(a, id)) as string;
  const second = (yield ctx.callActivity(b, first)) as string;
  return (yield ctx.callActivity(c, second)) as string;
}

function* fanOutFanIn(ctx: OrchestrationContext, width: number): OrchestratorGenerator<number> {
  const tasks: Task<number>[] = [];
  for (let i = 0; i < width; i++) tasks.push(ctx.callActivity(identity, i));
  const results = (yield whenAll(tasks)) as number[];
  return results.reduce((sum, n) => sum + n, 0);
}

function* singleStep(ctx: OrchestrationContext, id: string): OrchestratorGenerator<string> {
  return (yield ctx.callActivity(s, id)) as string;
}

/** Registers the three orchestrations under the names in ORCHESTRATIONS, and their activities. */
export function registerSdkOrchestrations(registry: Registry): Registry {
  return registry
    .addOrchestrator(helloSequence)
    .addOrchestrator(fanOutFanIn)
    .addOrchestrator(singleStep)
    .addActivity(a)
    .addActivity(b)
    .addActivity(c)
    .addActivity(s)
    .addActivity(identity);
}
