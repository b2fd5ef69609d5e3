// What the @microsoft/durabletask-js 0.4.0 end-to-end suite for the Durable Task Scheduler
// expects of a sidecar, through the real client and worker, on every store.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import {
  EntityInstanceId,
  HistoryEventType,
  OrchestrationStatus,
  RetryPolicy,
  type ActivityContext,
  type OrchestrationContext,
  type OrchestrationState,
  type TaskHubGrpcWorker,
} from '@microsoft/durabletask-js';
import { GetInstanceRequestSchema } from '../../src/proto/orchestrator_service_pb.js';
import type { StoreFactory } from '../scenarios/harness.js';
import { postgresStore } from '../scenarios/postgres-store.js';
import { sqliteStore } from '../scenarios/sqlite-store.js';
import { waitUntil } from './harness.js';
import { sdkSuite, type SdkEnv } from './store-sidecar.js';

const WAIT_S = 30;
const EXECUTION_ID = /^[0-9a-f]{32}$/;
const DERIVED_CHILD_ID = /^[0-9a-f]{32}:[0-9a-f]{4}$/;

// ---- activities and orchestrators (async generators: the only kind this SDK's worker runs) ----
function greet(_ctx: ActivityContext, name: string): string {
  return `Hello, ${name}!`;
}

/** Attempts per key: a child fails on its first attempt and succeeds on its second. */
const childAttempts = new Map<string, number>();
// eslint-disable-next-line require-yield -- ends in its first step
async function* flakyChild(
  _ctx: OrchestrationContext,
  key: string,
): AsyncGenerator<unknown, string, unknown> {
  const attempt = (childAttempts.get(key) ?? 0) + 1;
  childAttempts.set(key, attempt);
  if (attempt < 2) throw new Error(`transient failure on attempt ${attempt}`);
  return `${key} on attempt ${attempt}`;
}
async function* retriesChild(
  ctx: OrchestrationContext,
  key: string,
): AsyncGenerator<unknown, string, string> {
  const retry = new RetryPolicy({
    maxNumberOfAttempts: 3,
    firstRetryIntervalInMilliseconds: 100,
    backoffCoefficient: 1,
  });
  return yield ctx.callSubOrchestrator(flakyChild, key, { retry });
}

// eslint-disable-next-line require-yield -- ends in its first step
async function* ownId(ctx: OrchestrationContext): AsyncGenerator<unknown, string, unknown> {
  return ctx.instanceId;
}
async function* nestedIds(ctx: OrchestrationContext): AsyncGenerator<unknown, string[], string> {
  const child: string = yield ctx.callSubOrchestrator(ownId);
  return [child];
}

async function* complex(ctx: OrchestrationContext): AsyncGenerator<unknown, unknown, string> {
  const greeting: string = yield ctx.callActivity(greet, 'World');
  yield ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 500));
  const childId: string = yield ctx.callSubOrchestrator(ownId);
  return { greeting, childId };
}

// eslint-disable-next-line require-yield -- ends in its first step
async function* echo(_ctx: OrchestrationContext, input: string): AsyncGenerator<unknown, string, unknown> {
  if (input === 'fail') throw new Error('failed on purpose');
  return input;
}
async function* waits(ctx: OrchestrationContext): AsyncGenerator<unknown, unknown, unknown> {
  return yield ctx.waitForExternalEvent('release');
}

async function* signalsEntity(ctx: OrchestrationContext): AsyncGenerator<unknown, string, unknown> {
  ctx.entities.signalEntity(new EntityInstanceId('counter', 'one'), 'add', 1);
  yield ctx.createTimer(0);
  return 'signalled';
}

/** Lets a test act while a turn of `carriesOver` runs (between its start and its answer). */
let midTurn: { reached: () => void; release: Promise<void> } | undefined;
async function* carriesOver(
  ctx: OrchestrationContext,
  generation: number,
): AsyncGenerator<unknown, unknown, unknown> {
  if (generation === 0) {
    yield ctx.waitForExternalEvent('go');
    if (!ctx.isReplaying && midTurn) {
      midTurn.reached();
      await midTurn.release;
    }
    ctx.continueAsNew(1, true);
    return undefined;
  }
  const seen: unknown[] = [];
  for (let n = 0; n < 4; n++) seen.push(yield ctx.waitForExternalEvent('x'));
  return seen;
}

function register(worker: TaskHubGrpcWorker): void {
  for (const orchestrator of [
    flakyChild,
    retriesChild,
    ownId,
    nestedIds,
    complex,
    echo,
    waits,
    signalsEntity,
    carriesOver,
  ])
    worker.addOrchestrator(orchestrator);
  worker.addActivity(greet);
}

function grpcCode(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}

function compatibilitySuite(factory: StoreFactory): void {
  sdkSuite('what the SDKs expect of the sidecar', factory, register, (env: () => SdkEnv) => {
    async function completed(instanceId: string): Promise<OrchestrationState> {
      const state = await env().client.waitForOrchestrationCompletion(instanceId, true, WAIT_S);
      assert.ok(state, `instance ${instanceId} exists`);
      return state;
    }

    test('a sub-orchestration retry policy retries the child under its id and succeeds', async () => {
      const key = `retry-${randomUUID()}`;
      const id = await env().client.scheduleNewOrchestration(retriesChild, key);
      const state = await completed(id);
      assert.equal(
        state.runtimeStatus,
        OrchestrationStatus.COMPLETED,
        `parent ended ${state.runtimeStatus}: ${state.failureDetails?.message}`,
      );
      assert.equal(state.serializedOutput, JSON.stringify(`${key} on attempt 2`));
      assert.equal(childAttempts.get(key), 2, 'failed once, succeeded on the second attempt');
    });

    test('an id whose instance completed, failed or was terminated can be started again', async () => {
      const { client } = env();
      for (const [label, input] of [
        ['completed', 'first'],
        ['failed', 'fail'],
      ] as const) {
        const instanceId = await client.scheduleNewOrchestration(echo, input, {
          instanceId: `reuse-${label}-${randomUUID()}`,
        });
        await completed(instanceId);
        assert.equal(await client.scheduleNewOrchestration(echo, 'second', { instanceId }), instanceId);
        const again = await completed(instanceId);
        assert.equal(again.runtimeStatus, OrchestrationStatus.COMPLETED);
        assert.equal(again.serializedOutput, JSON.stringify('second'));
      }
      const terminated = await client.scheduleNewOrchestration(waits, undefined, {
        instanceId: `reuse-terminated-${randomUUID()}`,
      });
      await client.waitForOrchestrationStart(terminated, false, WAIT_S);
      await client.terminateOrchestration(terminated, 'stop');
      await completed(terminated);
      await client.scheduleNewOrchestration(echo, 'third', { instanceId: terminated });
      assert.equal((await completed(terminated)).serializedOutput, JSON.stringify('third'));
    });

    test('an id whose instance is pending or running is ALREADY_EXISTS and stays as it was', async () => {
      const { client } = env();
      const running = await client.scheduleNewOrchestration(waits, undefined, {
        instanceId: `busy-${randomUUID()}`,
      });
      await client.waitForOrchestrationStart(running, false, WAIT_S);
      const pending = await client.scheduleNewOrchestration(echo, 'later', {
        instanceId: `pending-${randomUUID()}`,
        startAt: new Date(Date.now() + 60 * 60_000),
      });
      for (const instanceId of [running, pending]) {
        await assert.rejects(client.scheduleNewOrchestration(echo, 'x', { instanceId }), (err) => {
          assert.equal(grpcCode(err), grpc.status.ALREADY_EXISTS);
          return true;
        });
      }
      assert.equal((await client.getOrchestrationState(running))?.runtimeStatus, OrchestrationStatus.RUNNING);
      assert.equal((await client.getOrchestrationState(pending))?.serializedInput, JSON.stringify('later'));
      await client.terminateOrchestration(running, 'done');
      await client.terminateOrchestration(pending, 'done');
    });

    test('execution ids are 32 lower-case hex characters; derived child ids are executionId:hex4', async () => {
      const { client, raw } = env();
      const id = await client.scheduleNewOrchestration(nestedIds);
      const state = await completed(id);
      const [childId] = JSON.parse(state.serializedOutput ?? '[]') as string[];
      assert.match(childId ?? '', DERIVED_CHILD_ID);
      for (const instanceId of [id, childId ?? '']) {
        const { orchestrationState } = await raw.unary(
          'getInstance',
          create(GetInstanceRequestSchema, { instanceId }),
        );
        assert.match(orchestrationState?.executionId ?? '', EXECUTION_ID, instanceId);
      }
    });

    test('the history has the DTS shape: no OrchestratorCompleted, one OrchestratorStarted per turn', async () => {
      const { client } = env();
      const id = await client.scheduleNewOrchestration(complex);
      const state = await completed(id);
      assert.equal(state.runtimeStatus, OrchestrationStatus.COMPLETED);
      const types = (await client.getOrchestrationHistory(id)).map((event) => event.type);
      assert.deepEqual(types, [
        HistoryEventType.OrchestratorStarted,
        HistoryEventType.ExecutionStarted,
        HistoryEventType.TaskScheduled,
        HistoryEventType.OrchestratorStarted,
        HistoryEventType.TaskCompleted,
        HistoryEventType.TimerCreated,
        HistoryEventType.OrchestratorStarted,
        HistoryEventType.TimerFired,
        HistoryEventType.SubOrchestrationInstanceCreated,
        HistoryEventType.OrchestratorStarted,
        HistoryEventType.SubOrchestrationInstanceCompleted,
        HistoryEventType.ExecutionCompleted,
      ]);
    });

    test('an entity action the engine cannot carry out fails the orchestration, naming the action', async () => {
      const { client } = env();
      const id = await client.scheduleNewOrchestration(signalsEntity);
      const state = await completed(id);
      assert.equal(state.runtimeStatus, OrchestrationStatus.FAILED);
      assert.match(state.failureDetails?.message ?? '', /sendEntityMessage/);
    });

    test('continue-as-new keeps the order of carried-over events ahead of events raised during the turn', async () => {
      const { client } = env();
      const id = await client.scheduleNewOrchestration(carriesOver, 0);
      await client.waitForOrchestrationStart(id, false, WAIT_S);
      for (const value of ['a', 'b', 'c']) await client.raiseOrchestrationEvent(id, 'x', value);
      // a, b and c are consumed (and buffered by the SDK) in turns of their own before 'go'.
      await waitUntil(
        async () =>
          (await client.getOrchestrationHistory(id)).filter((e) => e.type === HistoryEventType.EventRaised)
            .length === 3,
        'the buffered events',
      );
      let reached!: () => void;
      const reachedTurn = new Promise<void>((resolve) => (reached = resolve));
      let release!: () => void;
      midTurn = { reached, release: new Promise<void>((resolve) => (release = resolve)) };
      try {
        await client.raiseOrchestrationEvent(id, 'go');
        await reachedTurn;
        await client.raiseOrchestrationEvent(id, 'x', 'd');
      } finally {
        release();
        midTurn = undefined;
      }
      const state = await completed(id);
      assert.equal(state.runtimeStatus, OrchestrationStatus.COMPLETED);
      assert.deepEqual(JSON.parse(state.serializedOutput ?? 'null'), ['a', 'b', 'c', 'd']);
    });
  });
}

compatibilitySuite(sqliteStore);
if (postgresStore) compatibilitySuite(postgresStore);
