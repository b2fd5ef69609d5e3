// The orchestration scenarios of SCENARIOS.md through the sidecar, driven by the real
// @microsoft/durabletask-js client and worker over gRPC (one worker, one client for the file).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import {
  HistoryEventType,
  NoOpLogger,
  OrchestrationStatus,
  TaskHubGrpcClient,
  TaskHubGrpcWorker,
  terminateOptions,
  whenAll,
  type ActivityContext,
  type OrchestrationContext,
  type OrchestrationState,
} from '@microsoft/durabletask-js';
import { create } from '@bufbuild/protobuf';
import { GetInstanceRequestSchema } from '../../src/proto/orchestrator_service_pb.js';
import { RawSidecarClient } from '../../src/sidecar/testing/raw-client.js';
import { startTestSidecar, waitUntil, type TestSidecar } from './harness.js';

const WAIT_S = 30;
const run = randomUUID().slice(0, 8);
const id = (name: string): string => `${name}-${run}`;

// ---- activities ----
function hello(_ctx: ActivityContext, name: string): string {
  return `Hello, ${name}!`;
}
function appendStep(_ctx: ActivityContext, [acc, step]: [string, number]): string {
  return `${acc}${step}`;
}
async function slowSquare(_ctx: ActivityContext, n: number): Promise<number> {
  await sleep(300);
  return n * n;
}
let flakyCalls = 0;
function flaky(_ctx: ActivityContext, input: string): string {
  flakyCalls += 1;
  if (flakyCalls === 1) throw new Error('first call fails');
  return `recovered ${input}`;
}
let countedCalls = 0;
function counted(): number {
  countedCalls += 1;
  return countedCalls;
}

// ---- orchestrators (async generators: the only kind this SDK's worker runs) ----
async function* helloOrch(ctx: OrchestrationContext, name: string): AsyncGenerator<unknown, string, string> {
  return yield ctx.callActivity(hello, name);
}
async function* sequence(ctx: OrchestrationContext): AsyncGenerator<unknown, string, string> {
  let acc = '';
  for (let step = 0; step < 10; step++) acc = yield ctx.callActivity(appendStep, [acc, step]);
  return acc;
}
async function* fanOut(ctx: OrchestrationContext, count: number): AsyncGenerator<unknown, number, number[]> {
  const tasks = Array.from({ length: count }, (_, n) => ctx.callActivity(slowSquare, n));
  const squares = yield whenAll(tasks);
  return squares.reduce((sum, value) => sum + value, 0);
}
async function* timers(ctx: OrchestrationContext): AsyncGenerator<unknown, string, unknown> {
  yield ctx.createTimer(0);
  yield whenAll([ctx.createTimer(1), ctx.createTimer(1), ctx.createTimer(1)]);
  return 'fired';
}
async function* waitForEvents(ctx: OrchestrationContext): AsyncGenerator<unknown, unknown[], unknown> {
  ctx.setCustomStatus({ stage: 'waiting' });
  const first = yield ctx.waitForExternalEvent('approval');
  const second = yield ctx.waitForExternalEvent('approval');
  ctx.setCustomStatus({ stage: 'done' });
  return [first, second];
}
async function* child(ctx: OrchestrationContext, input: string): AsyncGenerator<unknown, string, unknown> {
  if (input === 'fail') throw new Error('child failed on purpose');
  if (input === 'wait') yield ctx.waitForExternalEvent('release');
  return `child got ${input}`;
}
async function* parent(ctx: OrchestrationContext, input: string): AsyncGenerator<unknown, string, string> {
  const result: string = yield ctx.callSubOrchestrator(child, input, {
    instanceId: `${ctx.instanceId}-child`,
  });
  return `parent saw ${result}`;
}
// eslint-disable-next-line require-yield -- the SDK worker runs only async generators; this one ends in one step
async function* counter(ctx: OrchestrationContext, n: number): AsyncGenerator<unknown, number, unknown> {
  if (n < 10) {
    ctx.continueAsNew(n + 1, false);
    return n;
  }
  return n;
}
// eslint-disable-next-line require-yield -- as above: it throws in its first step
async function* failing(): AsyncGenerator<unknown, never, unknown> {
  throw new TypeError('the orchestrator failed on purpose');
}
async function* rewindable(
  ctx: OrchestrationContext,
  input: string,
): AsyncGenerator<unknown, string, string> {
  return yield ctx.callActivity(flaky, input);
}
async function* countedOrch(ctx: OrchestrationContext): AsyncGenerator<unknown, number, number> {
  return yield ctx.callActivity(counted);
}
async function* quiet(): AsyncGenerator<unknown, void, unknown> {
  // Returns nothing: completes with no output.
}

function grpcCode(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}

describe('sidecar with the @microsoft/durabletask-js client and worker', () => {
  let env: TestSidecar;
  let client: TaskHubGrpcClient;
  let worker: TaskHubGrpcWorker;

  before(async () => {
    env = await startTestSidecar();
    worker = new TaskHubGrpcWorker({ hostAddress: env.address, logger: new NoOpLogger() });
    for (const orchestrator of [
      helloOrch,
      sequence,
      fanOut,
      timers,
      waitForEvents,
      child,
      parent,
      counter,
      failing,
      rewindable,
      countedOrch,
      quiet,
    ]) {
      worker.addOrchestrator(orchestrator);
    }
    for (const activity of [hello, appendStep, slowSquare, flaky, counted]) worker.addActivity(activity);
    await worker.start();
    await waitUntil(() => env.sidecar.executor.stats().streams === 1, 'the worker stream');
    client = new TaskHubGrpcClient({ hostAddress: env.address, logger: new NoOpLogger() });
  });

  after(async () => {
    await Promise.allSettled([worker?.stop(), client?.stop()]);
    await env?.close();
  });

  async function completed(instanceId: string): Promise<OrchestrationState> {
    const state = await client.waitForOrchestrationCompletion(instanceId, true, WAIT_S);
    assert.ok(state, `instance ${instanceId} exists`);
    return state;
  }

  async function statusOf(instanceId: string): Promise<OrchestrationStatus | undefined> {
    return (await client.getOrchestrationState(instanceId, false))?.runtimeStatus;
  }

  test('one activity round-trips unicode input and output; tags and name are reported', async () => {
    const instanceId = await client.scheduleNewOrchestration(helloOrch, '世界', {
      instanceId: id('hello'),
      tags: { team: 'núcleo' },
    });
    assert.equal(instanceId, id('hello'));
    const state = await completed(instanceId);
    assert.equal(state.runtimeStatus, OrchestrationStatus.COMPLETED);
    assert.equal(state.name, 'helloOrch');
    assert.equal(state.serializedInput, JSON.stringify('世界'));
    assert.equal(state.serializedOutput, JSON.stringify('Hello, 世界!'));
    assert.deepEqual(state.tags, { team: 'núcleo' });
    assert.ok(state.createdAt.getTime() <= state.lastUpdatedAt.getTime());
  });

  test('an orchestrator that returns nothing completes with no output', async () => {
    const state = await completed(await client.scheduleNewOrchestration(quiet));
    assert.equal(state.runtimeStatus, OrchestrationStatus.COMPLETED);
    assert.ok(state.serializedOutput === undefined || state.serializedOutput === '');
  });

  test('ten chained activities run in order', async () => {
    const state = await completed(await client.scheduleNewOrchestration(sequence));
    assert.equal(state.serializedOutput, JSON.stringify('0123456789'));
  });

  test('ten fanned-out activities run in parallel and fan in', async () => {
    const started = Date.now();
    const state = await completed(await client.scheduleNewOrchestration(fanOut, 10));
    assert.equal(state.serializedOutput, JSON.stringify(285));
    // Ten 300 ms activities one after another would take 3 s; in parallel far less.
    assert.ok(Date.now() - started < 2_900, `took ${Date.now() - started} ms`);
  });

  test('a zero-delay timer and three concurrent 1 s timers fire', async () => {
    const started = Date.now();
    const state = await completed(await client.scheduleNewOrchestration(timers));
    assert.equal(state.serializedOutput, JSON.stringify('fired'));
    assert.ok(Date.now() - started >= 1_000, 'the 1 s timers waited');
  });

  test('external events: buffered, FIFO per name, names case-insensitive; custom status visible', async () => {
    const instanceId = await client.scheduleNewOrchestration(waitForEvents);
    await waitUntil(
      async () =>
        (await client.getOrchestrationState(instanceId))?.serializedCustomStatus === '{"stage":"waiting"}',
      'the custom status',
    );
    await client.raiseOrchestrationEvent(instanceId, 'APPROVAL', { n: 1 });
    await client.raiseOrchestrationEvent(instanceId, 'approval', { n: 2 });
    const state = await completed(instanceId);
    assert.equal(state.serializedOutput, JSON.stringify([{ n: 1 }, { n: 2 }]));
    assert.equal(state.serializedCustomStatus, '{"stage":"done"}');
  });

  test('events raised before the instance waits for them are kept', async () => {
    const instanceId = await client.scheduleNewOrchestration(waitForEvents);
    await client.raiseOrchestrationEvent(instanceId, 'approval', 'a');
    await client.raiseOrchestrationEvent(instanceId, 'approval', 'b');
    assert.equal((await completed(instanceId)).serializedOutput, JSON.stringify(['a', 'b']));
  });

  test('suspend buffers events and shows SUSPENDED; resume continues to completion', async () => {
    const instanceId = await client.scheduleNewOrchestration(waitForEvents);
    await client.waitForOrchestrationStart(instanceId, false, WAIT_S);
    await client.suspendOrchestration(instanceId);
    await waitUntil(async () => (await statusOf(instanceId)) === OrchestrationStatus.SUSPENDED, 'SUSPENDED');
    await client.raiseOrchestrationEvent(instanceId, 'approval', 1);
    await client.raiseOrchestrationEvent(instanceId, 'approval', 2);
    await sleep(300);
    assert.equal(await statusOf(instanceId), OrchestrationStatus.SUSPENDED);
    await client.resumeOrchestration(instanceId);
    const state = await completed(instanceId);
    assert.equal(state.runtimeStatus, OrchestrationStatus.COMPLETED);
    assert.equal(state.serializedOutput, JSON.stringify([1, 2]));
  });

  test('terminate with an output gives TERMINATED with that output', async () => {
    const instanceId = await client.scheduleNewOrchestration(waitForEvents);
    await client.waitForOrchestrationStart(instanceId, false, WAIT_S);
    await client.terminateOrchestration(instanceId, { reason: 'stopped by test' });
    const state = await completed(instanceId);
    assert.equal(state.runtimeStatus, OrchestrationStatus.TERMINATED);
    assert.equal(state.serializedOutput, JSON.stringify({ reason: 'stopped by test' }));
  });

  test('recursive terminate stops the child; non-recursive leaves it running', async () => {
    const recursive = await client.scheduleNewOrchestration(parent, 'wait', { instanceId: id('tree-r') });
    const lone = await client.scheduleNewOrchestration(parent, 'wait', { instanceId: id('tree-n') });
    for (const root of [recursive, lone]) {
      await waitUntil(
        async () => (await statusOf(`${root}-child`)) === OrchestrationStatus.RUNNING,
        'the child',
      );
    }
    await client.terminateOrchestration(recursive, terminateOptions({ output: 'all', recursive: true }));
    await client.terminateOrchestration(lone, terminateOptions({ output: 'parent only', recursive: false }));
    assert.equal((await completed(recursive)).runtimeStatus, OrchestrationStatus.TERMINATED);
    assert.equal((await completed(`${recursive}-child`)).runtimeStatus, OrchestrationStatus.TERMINATED);
    assert.equal((await completed(lone)).runtimeStatus, OrchestrationStatus.TERMINATED);
    await sleep(300);
    assert.equal(await statusOf(`${lone}-child`), OrchestrationStatus.RUNNING);
    await client.raiseOrchestrationEvent(`${lone}-child`, 'release');
    assert.equal((await completed(`${lone}-child`)).runtimeStatus, OrchestrationStatus.COMPLETED);
  });

  test('a sub-orchestration with an explicit id returns its result; a failing one fails the parent', async () => {
    const ok = await client.scheduleNewOrchestration(parent, 'data', { instanceId: id('sub-ok') });
    assert.equal((await completed(ok)).serializedOutput, JSON.stringify('parent saw child got data'));
    assert.equal((await completed(`${ok}-child`)).serializedOutput, JSON.stringify('child got data'));
    // The SDK's OrchestrationState has no parent field: read it on the wire.
    const raw = new RawSidecarClient(env.address);
    try {
      const childState = await raw.unary(
        'getInstance',
        create(GetInstanceRequestSchema, { instanceId: `${ok}-child` }),
      );
      assert.equal(childState.orchestrationState?.parentInstanceId, ok);
    } finally {
      raw.close();
    }

    const bad = await client.scheduleNewOrchestration(parent, 'fail', { instanceId: id('sub-bad') });
    const state = await completed(bad);
    assert.equal(state.runtimeStatus, OrchestrationStatus.FAILED);
    assert.match(state.failureDetails?.message ?? '', /child failed on purpose/);
  });

  test('continue-as-new ten times ends with the right output', async () => {
    const state = await completed(await client.scheduleNewOrchestration(counter, 0));
    assert.equal(state.runtimeStatus, OrchestrationStatus.COMPLETED);
    assert.equal(state.serializedOutput, '10');
  });

  test('an orchestrator that throws is FAILED with type, message and stack', async () => {
    const state = await completed(await client.scheduleNewOrchestration(failing));
    assert.equal(state.runtimeStatus, OrchestrationStatus.FAILED);
    assert.equal(state.failureDetails?.errorType, 'TypeError');
    assert.equal(state.failureDetails?.message, 'the orchestrator failed on purpose');
    assert.match(state.failureDetails?.stackTrace ?? '', /failing/);
    assert.throws(() => state.raiseIfFailed());
  });

  test('a scheduled start time delays the first turn', async () => {
    const startAt = new Date(Date.now() + 1_500);
    const instanceId = await client.scheduleNewOrchestration(helloOrch, 'later', { startAt });
    assert.equal(await statusOf(instanceId), OrchestrationStatus.PENDING);
    const state = await completed(instanceId);
    assert.equal(state.runtimeStatus, OrchestrationStatus.COMPLETED);
    const history = await client.getOrchestrationHistory(instanceId);
    const firstTurn = history.find((event) => event.type === HistoryEventType.OrchestratorStarted);
    assert.ok(
      firstTurn && firstTurn.timestamp.getTime() >= startAt.getTime() - 5,
      'the first turn ran after startAt',
    );
  });

  test('get and wait: start, completion, and undefined for an unknown instance', async () => {
    const instanceId = await client.scheduleNewOrchestration(helloOrch, 'wait');
    const started = await client.waitForOrchestrationStart(instanceId, false, WAIT_S);
    assert.notEqual(started?.runtimeStatus, OrchestrationStatus.PENDING);
    assert.equal(started?.serializedInput, undefined, 'payloads not asked for');
    await completed(instanceId);
    assert.equal(await client.getOrchestrationState(id('nobody')), undefined);
    assert.equal(await client.waitForOrchestrationCompletion(id('nobody'), true, WAIT_S), undefined);
    assert.equal(await client.waitForOrchestrationStart(id('nobody'), true, WAIT_S), undefined);
  });

  test('the full history of an instance streams back', async () => {
    const instanceId = await client.scheduleNewOrchestration(helloOrch, 'history');
    await completed(instanceId);
    const types = (await client.getOrchestrationHistory(instanceId)).map((event) => event.type);
    assert.equal(types[0], HistoryEventType.OrchestratorStarted);
    for (const expected of [
      HistoryEventType.ExecutionStarted,
      HistoryEventType.TaskScheduled,
      HistoryEventType.TaskCompleted,
      HistoryEventType.ExecutionCompleted,
    ]) {
      assert.ok(types.includes(expected), `history has ${expected}`);
    }
    assert.deepEqual(await client.getOrchestrationHistory(id('nobody')), [], 'NOT_FOUND reads as empty');
  });

  test('purge: refused while running, removes a completed instance, then says not found', async () => {
    const instanceId = await client.scheduleNewOrchestration(waitForEvents);
    await client.waitForOrchestrationStart(instanceId, false, WAIT_S);
    await assert.rejects(client.purgeOrchestration(instanceId), (err) => {
      assert.equal(grpcCode(err), grpc.status.FAILED_PRECONDITION);
      return true;
    });
    await client.terminateOrchestration(instanceId);
    await completed(instanceId);
    assert.equal((await client.purgeOrchestration(instanceId))?.deletedInstanceCount, 1);
    assert.equal(await client.getOrchestrationState(instanceId), undefined);
    await assert.rejects(client.purgeOrchestration(instanceId), (err) => {
      assert.equal(grpcCode(err), grpc.status.NOT_FOUND);
      return true;
    });
  });

  test('recursive purge removes the children', async () => {
    const root = await client.scheduleNewOrchestration(parent, 'x', { instanceId: id('purge-tree') });
    await completed(root);
    assert.equal((await client.purgeOrchestration(root, { recursive: true }))?.deletedInstanceCount, 2);
    assert.equal(await client.getOrchestrationState(`${root}-child`), undefined);
  });

  test('query by prefix and status with paging; list instance ids with paging', async () => {
    const prefix = id('query');
    const ids = [];
    for (let n = 0; n < 5; n++)
      ids.push(await client.scheduleNewOrchestration(helloOrch, `q${n}`, { instanceId: `${prefix}-${n}` }));
    for (const instanceId of ids) await completed(instanceId);

    const pages = [];
    for await (const page of client
      .getAllInstances({
        instanceIdPrefix: prefix,
        statuses: [OrchestrationStatus.COMPLETED],
        pageSize: 2,
        fetchInputsAndOutputs: true,
      })
      .asPages()) {
      pages.push(page);
    }
    assert.deepEqual(
      pages.map((page) => page.values.length),
      [2, 2, 1],
    );
    const found = pages.flatMap((page) => page.values);
    assert.deepEqual(found.map((state) => state.instanceId).sort(), [...ids].sort());
    assert.ok(found.every((state) => state.serializedOutput?.startsWith('"Hello, q')));

    const none = [];
    for await (const state of client.getAllInstances({
      instanceIdPrefix: prefix,
      statuses: [OrchestrationStatus.FAILED],
    }))
      none.push(state);
    assert.equal(none.length, 0);

    const listed: string[] = [];
    let key: string | undefined;
    do {
      const page = await client.listInstanceIds({
        pageSize: 3,
        ...(key !== undefined && { lastInstanceKey: key }),
      });
      assert.ok(page.values.length <= 3);
      listed.push(...page.values);
      key = page.continuationToken;
    } while (key !== undefined);
    for (const instanceId of ids) assert.ok(listed.includes(instanceId), `${instanceId} listed`);
    assert.equal(new Set(listed).size, listed.length, 'no id listed twice');
  });

  test('purge by filter removes the terminal instances that match', async () => {
    const from = new Date(Date.now() - 1);
    const instanceId = await client.scheduleNewOrchestration(helloOrch, 'filter');
    await completed(instanceId);
    const running = await client.scheduleNewOrchestration(waitForEvents);
    const { PurgeInstanceCriteria } = await import('@microsoft/durabletask-js');
    const criteria = new PurgeInstanceCriteria();
    criteria.setCreatedTimeFrom(from);
    criteria.setRuntimeStatusList([OrchestrationStatus.COMPLETED]);
    const result = await client.purgeOrchestration(criteria);
    assert.ok((result?.deletedInstanceCount ?? 0) >= 1);
    assert.equal(await client.getOrchestrationState(instanceId), undefined);
    assert.ok(await client.getOrchestrationState(running), 'a running instance is never purged');
    await client.terminateOrchestration(running);
  });

  test('rewind a FAILED instance: the failed activity is retried and the instance completes', async () => {
    const instanceId = await client.scheduleNewOrchestration(rewindable, 'x');
    const failed = await completed(instanceId);
    assert.equal(failed.runtimeStatus, OrchestrationStatus.FAILED);
    await client.rewindInstance(instanceId, 'try again');
    await waitUntil(async () => (await statusOf(instanceId)) !== OrchestrationStatus.FAILED, 'the rewind');
    const state = await completed(instanceId);
    assert.equal(state.runtimeStatus, OrchestrationStatus.COMPLETED);
    assert.equal(state.serializedOutput, JSON.stringify('recovered x'));
    await assert.rejects(client.rewindInstance(instanceId, 'again'), /rewound|FAILED|state/i);
  });

  test('restart with the same id and with a new id', async () => {
    const instanceId = await client.scheduleNewOrchestration(countedOrch, undefined, {
      instanceId: id('restart'),
    });
    const first = Number((await completed(instanceId)).serializedOutput);
    assert.equal(await client.restartOrchestration(instanceId, false), instanceId);
    await waitUntil(
      async () => Number((await client.getOrchestrationState(instanceId))?.serializedOutput) > first,
      'the rerun',
    );
    assert.equal((await completed(instanceId)).runtimeStatus, OrchestrationStatus.COMPLETED);
    const copy = await client.restartOrchestration(instanceId, true);
    assert.notEqual(copy, instanceId);
    assert.equal((await completed(copy)).name, 'countedOrch');

    const running = await client.scheduleNewOrchestration(waitForEvents);
    await assert.rejects(client.restartOrchestration(running, false), /cannot be restarted/);
    await client.terminateOrchestration(running);
  });

  test('unknown instances answer not found and leave nothing behind', async () => {
    const missing = id('missing');
    for (const call of [
      () => client.raiseOrchestrationEvent(missing, 'e', 1),
      () => client.terminateOrchestration(missing, 'out'),
      () => client.suspendOrchestration(missing),
      () => client.resumeOrchestration(missing),
    ]) {
      await assert.rejects(call(), (err) => {
        assert.equal(grpcCode(err), grpc.status.NOT_FOUND);
        assert.match((err as grpc.ServiceError).details, new RegExp(missing));
        return true;
      });
    }
    await assert.rejects(client.restartOrchestration(missing), /was not found/);
    await assert.rejects(client.rewindInstance(missing, 'r'), /was not found/);
    assert.equal(await client.getOrchestrationState(missing), undefined);
  });

  test('starting an id whose instance is running fails with ALREADY_EXISTS; a completed one is replaced', async () => {
    const instanceId = await client.scheduleNewOrchestration(waitForEvents, undefined, {
      instanceId: id('dup'),
    });
    await client.waitForOrchestrationStart(instanceId, false, WAIT_S);
    await assert.rejects(client.scheduleNewOrchestration(helloOrch, 'two', { instanceId }), (err) => {
      assert.equal(grpcCode(err), grpc.status.ALREADY_EXISTS);
      assert.match((err as grpc.ServiceError).details, /already exists/);
      return true;
    });
    assert.equal((await client.getOrchestrationState(instanceId))?.name, 'waitForEvents');
    await client.terminateOrchestration(instanceId);
    await completed(instanceId);
    await client.scheduleNewOrchestration(helloOrch, 'two', { instanceId });
    assert.equal((await completed(instanceId)).serializedOutput, JSON.stringify('Hello, two!'));
  });
});
