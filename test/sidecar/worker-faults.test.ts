// Work distribution and faults through the sidecar with real @microsoft/durabletask-js workers:
// work queued before any worker connects, a worker stream lost mid-turn and mid-activity, and
// two workers sharing the work.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { create } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import {
  NoOpLogger,
  OrchestrationStatus,
  TaskHubGrpcClient,
  TaskHubGrpcWorker,
  whenAll,
  type ActivityContext,
  type OrchestrationContext,
} from '@microsoft/durabletask-js';
import { GetWorkItemsRequestSchema, type WorkItem } from '../../src/proto/orchestrator_service_pb.js';
import { RawSidecarClient } from '../../src/sidecar/testing/raw-client.js';
import { startTestSidecar, waitUntil, type TestSidecar } from './harness.js';

async function slowEcho(_ctx: ActivityContext, input: string): Promise<string> {
  await sleep(50);
  return `echo ${input}`;
}
async function* echoOrch(ctx: OrchestrationContext, input: string): AsyncGenerator<unknown, string, string> {
  return yield ctx.callActivity(slowEcho, input);
}
async function* spread(
  ctx: OrchestrationContext,
  count: number,
): AsyncGenerator<unknown, string[], string[]> {
  return yield whenAll(Array.from({ length: count }, (_, n) => ctx.callActivity('who', n)));
}

type WorkerSetup = (worker: TaskHubGrpcWorker) => void;

describe('sidecar work distribution and faults', () => {
  let env: TestSidecar;
  let client: TaskHubGrpcClient;
  const workers: TaskHubGrpcWorker[] = [];

  before(async () => {
    env = await startTestSidecar();
    client = new TaskHubGrpcClient({ hostAddress: env.address, logger: new NoOpLogger() });
  });

  after(async () => {
    await Promise.allSettled([...workers.map((worker) => worker.stop()), client?.stop()]);
    await env?.close();
  });

  const streams = (): number => env.sidecar.executor.stats().streams;

  /** Starts an SDK worker and waits for its stream; `filtered` asks only for what it registered. */
  async function startWorker(setup: WorkerSetup, filtered = false): Promise<TaskHubGrpcWorker> {
    const before = streams();
    const worker = new TaskHubGrpcWorker({
      hostAddress: env.address,
      logger: new NoOpLogger(),
      shutdownTimeoutMs: 2_000,
      ...(filtered && { workItemFilters: 'auto' as const }),
    });
    setup(worker);
    await worker.start();
    workers.push(worker);
    await waitUntil(() => streams() === before + 1, 'the worker stream');
    return worker;
  }

  async function stopWorkers(): Promise<void> {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    await waitUntil(() => streams() === 0, 'the streams to close');
  }

  /** A raw stream that takes one work item and then disconnects without answering it. */
  async function takeOneAndDisconnect(
    request: Parameters<typeof create<typeof GetWorkItemsRequestSchema>>[1],
    kind: 'orchestratorRequest' | 'activityRequest',
  ): Promise<{ taken: Promise<WorkItem>; close: () => void }> {
    const raw = new RawSidecarClient(env.address);
    await raw.unary('hello', create(EmptySchema));
    const before = streams();
    const stream = raw.stream('getWorkItems', create(GetWorkItemsRequestSchema, request));
    stream.on('error', () => undefined); // CANCELLED, caused below
    const taken = new Promise<WorkItem>((resolve) => {
      stream.on('data', (item: WorkItem) => {
        if (item.request.case !== kind) return;
        stream.cancel(); // gone mid-turn / mid-activity
        resolve(item);
      });
    });
    await waitUntil(() => streams() === before + 1, 'the raw stream');
    return { taken, close: () => raw.close() };
  }

  test('work queued before any worker connects runs when one does', async () => {
    const instanceId = await client.scheduleNewOrchestration(echoOrch, 'queued');
    await sleep(200);
    assert.equal(
      (await client.getOrchestrationState(instanceId))?.runtimeStatus,
      OrchestrationStatus.PENDING,
    );
    await startWorker((w) => {
      w.addOrchestrator(echoOrch);
      w.addActivity(slowEcho);
    });
    const state = await client.waitForOrchestrationCompletion(instanceId, true, 30);
    assert.equal(state?.serializedOutput, JSON.stringify('echo queued'));
    await stopWorkers();
  });

  test('a worker lost mid-turn: the turn is re-dispatched and the instance completes', async () => {
    const lost = await takeOneAndDisconnect({}, 'orchestratorRequest');
    const instanceId = await client.scheduleNewOrchestration(echoOrch, 'mid-turn');
    const item = await lost.taken;
    assert.equal(item.request.case === 'orchestratorRequest' && item.request.value.instanceId, instanceId);
    lost.close();
    await waitUntil(() => streams() === 0, 'the lost stream to go');
    await startWorker((w) => {
      w.addOrchestrator(echoOrch);
      w.addActivity(slowEcho);
    });
    const state = await client.waitForOrchestrationCompletion(instanceId, true, 30);
    assert.equal(state?.runtimeStatus, OrchestrationStatus.COMPLETED);
    assert.equal(state?.serializedOutput, JSON.stringify('echo mid-turn'));
    await stopWorkers();
  });

  test('a worker lost mid-activity: the activity is re-dispatched and the instance completes', async () => {
    // Orchestrations go to an SDK worker that asks for them only; the activity goes to a raw
    // stream that asks for activities only and disconnects while holding it.
    await startWorker((w) => w.addOrchestrator(echoOrch), true);
    const lost = await takeOneAndDisconnect(
      { workItemFilters: { activities: [{ name: 'slowEcho', versions: [] }] } },
      'activityRequest',
    );
    const instanceId = await client.scheduleNewOrchestration(echoOrch, 'mid-activity');
    const item = await lost.taken;
    assert.equal(item.request.case === 'activityRequest' && item.request.value.name, 'slowEcho');
    lost.close();
    await waitUntil(() => streams() === 1, 'the lost stream to go');
    assert.equal(
      (await client.getOrchestrationState(instanceId))?.runtimeStatus,
      OrchestrationStatus.RUNNING,
    );
    await startWorker((w) => w.addActivity(slowEcho), true);
    const state = await client.waitForOrchestrationCompletion(instanceId, true, 30);
    assert.equal(state?.serializedOutput, JSON.stringify('echo mid-activity'));
    await stopWorkers();
  });

  test('two workers connected at once share the work', async () => {
    for (const label of ['a', 'b']) {
      await startWorker((w) => {
        w.addOrchestrator(spread);
        w.addNamedActivity('who', async () => {
          await sleep(200);
          return label;
        });
      });
    }
    const instanceId = await client.scheduleNewOrchestration(spread, 8);
    const state = await client.waitForOrchestrationCompletion(instanceId, true, 30);
    const ran = JSON.parse(state?.serializedOutput ?? '[]') as string[];
    assert.equal(ran.length, 8);
    assert.ok(ran.includes('a') && ran.includes('b'), `both workers ran activities: ${ran.join(',')}`);
    await stopWorkers();
  });
});
