// Histories are interchangeable: an instance begun by a @microsoft/durabletask-js worker through
// the sidecar is finished by the in-process SDK on the same SQLite file, and the other way round.
// Both SDKs number their actions the same way, so each replays the other's history; the finished
// history has the same task ids and event shapes as runs done wholly by either SDK.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  whenAll as msWhenAll,
  type ActivityContext as MsActivityContext,
  type OrchestrationContext as MsOrchestrationContext,
  type TaskHubGrpcWorker,
} from '@microsoft/durabletask-js';
import { OrchestrationStatus } from '../../src/api/status.js';
import type { DurableTaskEngine } from '../../src/embedded/index.js';
import type { TaskHubClient } from '../../src/client/index.js';
import type { OrchestrationContext } from '../../src/sdk/context.js';
import type { OrchestratorGenerator } from '../../src/sdk/orchestrator.js';
import type { Registry } from '../../src/sdk/registry.js';
import {
  historyShape,
  sharedStore,
  startEngineOn,
  startSidecarOn,
  waitUntil,
  type SidecarRuntime,
} from './runtimes.js';

const WAIT_MS = 20_000;
const INPUT = 5;

// ---- the activities, the same in both SDKs ----
const double = (n: number): number => n * 2;
const increment = (n: number): number => n + 1;
const join = ([b, c, go]: [number, number, string]): string => `${b}+${c}:${go}`;
const expectedOutput = (go: string): string => JSON.stringify(join([INPUT * 4, INPUT * 2 + 1, go]));

/**
 * The orchestration, written once per SDK: an activity (#1), two in parallel (#2, #3), a timer
 * (#4), then it waits for 'go' (an event takes no task id) and runs a last activity (#5). Both
 * SDKs number their actions from 1.
 */
async function* relayForDurabletaskJs(
  ctx: MsOrchestrationContext,
  n: number,
): AsyncGenerator<unknown, string, unknown> {
  const a = (yield ctx.callActivity('double', n)) as number;
  const [b, c] = (yield msWhenAll([
    ctx.callActivity('double', a),
    ctx.callActivity('increment', a),
  ])) as number[];
  yield ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 50));
  ctx.setCustomStatus('waiting');
  const go = (yield ctx.waitForExternalEvent('go')) as string;
  const joined = (yield ctx.callActivity('join', [b, c, go])) as string;
  ctx.setCustomStatus('done');
  return joined;
}

function* relay(ctx: OrchestrationContext, n: number): OrchestratorGenerator<string> {
  const a = (yield ctx.callActivity('double', n)) as number;
  const [b, c] = (yield ctx.whenAll([ctx.callActivity('double', a), ctx.callActivity('increment', a)])) as [
    number,
    number,
  ];
  yield ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 50));
  ctx.setCustomStatus('waiting');
  const go = (yield ctx.waitForExternalEvent('go')) as string;
  const joined = (yield ctx.callActivity('join', [b, c, go])) as string;
  ctx.setCustomStatus('done');
  return joined;
}

function registerDurabletaskJs(worker: TaskHubGrpcWorker): void {
  worker.addNamedOrchestrator('relay', relayForDurabletaskJs);
  worker.addNamedActivity('double', (_ctx: MsActivityContext, n: number) => double(n));
  worker.addNamedActivity('increment', (_ctx: MsActivityContext, n: number) => increment(n));
  worker.addNamedActivity('join', (_ctx: MsActivityContext, input: [number, number, string]) => join(input));
}

function registerOurs(registry: Registry): void {
  registry
    .addNamedOrchestrator('relay', relay)
    .addNamedActivity('double', (_ctx, n: number) => double(n))
    .addNamedActivity('increment', (_ctx, n: number) => increment(n))
    .addNamedActivity('join', (_ctx, input: [number, number, string]) => join(input));
}

/**
 * The shape every run must have, whichever SDK ran which turn (see historyShape: results that
 * arrive together are sorted, so the timer and the event that follows it read in text order).
 */
function expectedShape(go: string): string[] {
  return [
    `executionStarted relay ${INPUT}`,
    `taskScheduled #1 double ${INPUT}`,
    `taskCompleted ->#1 ${INPUT * 2}`,
    `taskScheduled #2 double ${INPUT * 2}`,
    `taskScheduled #3 increment ${INPUT * 2}`,
    `taskCompleted ->#2 ${INPUT * 4}`,
    `taskCompleted ->#3 ${INPUT * 2 + 1}`,
    'timerCreated #4',
    `eventRaised go ${JSON.stringify(go)}`,
    'timerFired ->#4',
    `taskScheduled #5 join ${JSON.stringify([INPUT * 4, INPUT * 2 + 1, go])}`,
    `taskCompleted ->#5 ${expectedOutput(go)}`,
    `executionCompleted ${OrchestrationStatus.COMPLETED} ${expectedOutput(go)}`,
  ];
}

/** Waits until the instance has run up to its external event (committed, nothing leased). */
async function untilWaiting(client: TaskHubClient, instanceId: string): Promise<void> {
  await waitUntil(
    async () => (await client.getOrchestrationState(instanceId))?.customStatus === '"waiting"',
    `${instanceId} to wait for its event`,
    WAIT_MS,
  );
}

/** Checks the finished instance: status, output, custom status and the shape of its history. */
async function assertCompleted(client: TaskHubClient, instanceId: string, go: string): Promise<void> {
  const state = await client.waitForOrchestrationCompletion(instanceId, { timeoutMs: WAIT_MS });
  assert.equal(state.status, OrchestrationStatus.COMPLETED, state.failureDetails?.errorMessage);
  assert.equal(state.output, expectedOutput(go));
  assert.equal(state.customStatus, '"done"');
  const shape = historyShape(await client.getOrchestrationHistory(instanceId));
  assert.deepEqual(shape, expectedShape(go), `${instanceId}: the history shape`);
}

describe('histories are interchangeable between durabletask-js over the sidecar and the in-process SDK', () => {
  test('begun by a durabletask-js worker through the sidecar, finished in process', async () => {
    const store = sharedStore();
    let sidecar: SidecarRuntime | undefined;
    let engine: DurableTaskEngine | undefined;
    try {
      sidecar = await startSidecarOn(store.path, registerDurabletaskJs);
      const theirs = await sidecar.client.scheduleNewOrchestration('relay', INPUT, { instanceId: 'theirs' });
      const mixed = await sidecar.client.scheduleNewOrchestration('relay', INPUT, { instanceId: 'mixed' });
      await untilWaiting(sidecar.sidecar.client, mixed);
      await untilWaiting(sidecar.sidecar.client, theirs);
      await sidecar.client.raiseOrchestrationEvent(theirs, 'go', 'sidecar');
      await assertCompleted(sidecar.sidecar.client, theirs, 'sidecar');
      await sidecar.stop();
      sidecar = undefined;

      engine = await startEngineOn(store.path, registerOurs);
      await engine.client.raiseOrchestrationEvent(mixed, 'go', 'handed over');
      await assertCompleted(engine.client, mixed, 'handed over');
      const ours = await engine.client.scheduleNewOrchestration('relay', INPUT, { instanceId: 'ours' });
      await untilWaiting(engine.client, ours);
      await engine.client.raiseOrchestrationEvent(ours, 'go', 'in process');
      await assertCompleted(engine.client, ours, 'in process');
    } finally {
      await sidecar?.stop();
      await engine?.stop();
      store.dispose();
    }
  });

  test('begun in process and stopped mid-instance, finished by a durabletask-js worker through the sidecar', async () => {
    const store = sharedStore();
    let sidecar: SidecarRuntime | undefined;
    let engine: DurableTaskEngine | undefined;
    try {
      engine = await startEngineOn(store.path, registerOurs);
      const ours = await engine.client.scheduleNewOrchestration('relay', INPUT, { instanceId: 'ours' });
      const mixed = await engine.client.scheduleNewOrchestration('relay', INPUT, { instanceId: 'mixed' });
      await untilWaiting(engine.client, mixed);
      await untilWaiting(engine.client, ours);
      await engine.client.raiseOrchestrationEvent(ours, 'go', 'in process');
      await assertCompleted(engine.client, ours, 'in process');
      await engine.stop();
      engine = undefined;

      sidecar = await startSidecarOn(store.path, registerDurabletaskJs);
      await sidecar.client.raiseOrchestrationEvent(mixed, 'go', 'handed over');
      const state = await sidecar.client.waitForOrchestrationCompletion(mixed, true, WAIT_MS / 1000);
      assert.equal(state?.serializedOutput, expectedOutput('handed over'), 'as durabletask-js reports it');
      await assertCompleted(sidecar.sidecar.client, mixed, 'handed over');
      const theirs = await sidecar.client.scheduleNewOrchestration('relay', INPUT, { instanceId: 'theirs' });
      await untilWaiting(sidecar.sidecar.client, theirs);
      await sidecar.client.raiseOrchestrationEvent(theirs, 'go', 'sidecar');
      await assertCompleted(sidecar.sidecar.client, theirs, 'sidecar');
    } finally {
      await engine?.stop();
      await sidecar?.stop();
      store.dispose();
    }
  });
});
