import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { create } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import * as grpc from '@grpc/grpc-js';
import {
  NoOpLogger,
  TaskHubGrpcWorker,
  type ActivityContext,
  type OrchestrationContext,
} from '@microsoft/durabletask-js';
import { isDurableTaskError } from '../api/errors.js';
import { RemoteExecutor } from '../executor/remote/index.js';
import {
  ActivityRequestSchema,
  ActivityResponseSchema,
  GetInstanceRequestSchema,
  GetWorkItemsRequestSchema,
  OrchestratorRequestSchema,
  OrchestratorResponseSchema,
  AbandonActivityTaskRequestSchema,
  type WorkItem,
} from '../proto/orchestrator_service_pb.js';
import {
  executionStartedEvent,
  orchestratorStartedEvent,
  taskCompletedEvent,
  taskScheduledEvent,
} from '../runtime/history-events.js';
import { SidecarServer } from './sidecar-server.js';
import { RawSidecarClient } from './testing/raw-client.js';

/** Polls `condition` until true; fails after `timeoutMs` (generous: the machines are shared). */
async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function sayHello(_ctx: ActivityContext, name: string): string {
  return `Hello, ${name}!`;
}

async function* greet(ctx: OrchestrationContext, name: string): AsyncGenerator<unknown, string, string> {
  const greeting: string = yield ctx.callActivity(sayHello, name);
  return greeting;
}

async function startSidecar(executor: RemoteExecutor) {
  void executor.start();
  const server = new SidecarServer({ executor, shutdownGraceMs: 2_000 });
  const port = await server.start({ host: '127.0.0.1', port: 0 });
  return { server, address: `127.0.0.1:${port}` };
}

describe('SidecarServer with the @microsoft/durabletask-js worker', () => {
  const executor = new RemoteExecutor();
  let server: SidecarServer;
  let worker: TaskHubGrpcWorker;

  before(async () => {
    const started = await startSidecar(executor);
    server = started.server;
    worker = new TaskHubGrpcWorker({ hostAddress: started.address, logger: new NoOpLogger() });
    worker.addOrchestrator(greet);
    worker.addActivity(sayHello);
    await worker.start();
    await waitFor(() => executor.stats().streams === 1, 'the worker stream');
  });

  after(async () => {
    await worker.stop();
    await server.stop();
    await executor.stop();
  });

  test('runs an orchestration turn and an activity on the worker', async () => {
    const instanceId = 'greet-1';
    const started = executionStartedEvent(
      { instanceId, executionId: 'exec-1', name: 'greet', input: JSON.stringify('Tokyo') },
      1_000,
    );
    const firstTurn = await executor.executeOrchestrator(
      create(OrchestratorRequestSchema, {
        instanceId,
        executionId: 'exec-1',
        newEvents: [orchestratorStartedEvent(1_000), started],
      }),
    );
    assert.equal(firstTurn.instanceId, instanceId);
    assert.equal(firstTurn.actions.length, 1);
    const action = firstTurn.actions[0]!;
    assert.equal(action.orchestratorActionType.case, 'scheduleTask');
    const scheduled = action.orchestratorActionType.value;
    assert.equal(scheduled.name, 'sayHello');
    assert.equal(scheduled.input, JSON.stringify('Tokyo'));

    const activity = await executor.executeActivity(
      create(ActivityRequestSchema, {
        name: scheduled.name,
        input: scheduled.input,
        taskId: action.id,
        orchestrationInstance: { instanceId, executionId: 'exec-1' },
      }),
    );
    assert.equal(activity.instanceId, instanceId);
    assert.equal(activity.taskId, action.id);
    assert.equal(activity.failureDetails, undefined);
    assert.equal(activity.result, JSON.stringify('Hello, Tokyo!'));

    // The next turn replays the first and completes the orchestration with the activity's result.
    const secondTurn = await executor.executeOrchestrator(
      create(OrchestratorRequestSchema, {
        instanceId,
        executionId: 'exec-1',
        pastEvents: [
          orchestratorStartedEvent(1_000),
          started,
          taskScheduledEvent(action.id, { name: 'sayHello', input: scheduled.input }, 1_001),
        ],
        newEvents: [orchestratorStartedEvent(2_000), taskCompletedEvent(action.id, activity.result, 2_000)],
      }),
    );
    const completion = secondTurn.actions[0]?.orchestratorActionType;
    assert.equal(completion?.case, 'completeOrchestration');
    assert.equal(completion.value.result, JSON.stringify('Hello, Tokyo!'));
  });
});

describe('SidecarServer work item streams', () => {
  test('an item outstanding on a stream that disconnects goes to the next worker', async () => {
    const executor = new RemoteExecutor();
    const { server, address } = await startSidecar(executor);
    const first = new RawSidecarClient(address);
    let second: TaskHubGrpcWorker | undefined;
    try {
      await first.unary('hello', create(EmptySchema));
      const received: WorkItem[] = [];
      const stream = first.stream('getWorkItems', create(GetWorkItemsRequestSchema, {}));
      stream.on('data', (item: WorkItem) => received.push(item));
      stream.on('error', () => undefined); // CANCELLED, caused below
      await waitFor(() => executor.stats().streams === 1, 'the first stream');

      const result = executor.executeActivity(
        create(ActivityRequestSchema, {
          name: 'sayHello',
          input: '"Oslo"',
          taskId: 3,
          orchestrationInstance: { instanceId: 'i1' },
        }),
      );
      await waitFor(() => received.length === 1, 'the item on the first stream');
      const staleToken = received[0]!.completionToken;
      assert.notEqual(staleToken, '');
      stream.cancel();
      await waitFor(() => executor.stats().streams === 0, 'the disconnect');
      assert.equal(executor.stats().waiting, 1);

      second = new TaskHubGrpcWorker({ hostAddress: address, logger: new NoOpLogger() });
      second.addActivity(sayHello);
      await second.start();
      const response = await result;
      assert.equal(response.result, JSON.stringify('Hello, Oslo!'));

      // The first worker's late completion carries a token that is no longer valid.
      await assert.rejects(
        first.unary(
          'completeActivityTask',
          create(ActivityResponseSchema, {
            instanceId: 'i1',
            taskId: 3,
            result: '"late"',
            completionToken: staleToken,
          }),
        ),
        (err: grpc.ServiceError) =>
          err.code === grpc.status.INVALID_ARGUMENT && /re-dispatched/.test(err.details),
      );
    } finally {
      await second?.stop();
      first.close();
      await server.stop();
      await executor.stop();
    }
  });

  test('token-less completions (Dapr SDKs), health pings, and UNIMPLEMENTED client rpcs', async () => {
    const executor = new RemoteExecutor({ pingIntervalMs: 50 });
    const { server, address } = await startSidecar(executor);
    const client = new RawSidecarClient(address);
    try {
      const received: WorkItem[] = [];
      const stream = client.stream('getWorkItems', create(GetWorkItemsRequestSchema, {}));
      stream.on('data', (item: WorkItem) => received.push(item));
      const ended = new Promise<void>((resolve) => stream.on('end', resolve));
      stream.on('error', () => undefined);
      await waitFor(() => received.some((item) => item.request.case === 'healthPing'), 'a health ping');

      const result = executor.executeOrchestrator(
        create(OrchestratorRequestSchema, { instanceId: 'dapr-1' }),
      );
      await waitFor(() => received.some((item) => item.request.case === 'orchestratorRequest'), 'the turn');
      // No completion token, as the Dapr SDKs send it: matched by instanceId.
      await client.unary(
        'completeOrchestratorTask',
        create(OrchestratorResponseSchema, { instanceId: 'dapr-1' }),
      );
      assert.equal((await result).instanceId, 'dapr-1');

      await assert.rejects(
        client.unary('getInstance', create(GetInstanceRequestSchema, { instanceId: 'x' })),
        (err: grpc.ServiceError) =>
          err.code === grpc.status.UNIMPLEMENTED && /GetInstance is not implemented/.test(err.details),
      );
      await assert.rejects(
        client.unary(
          'abandonTaskActivityWorkItem',
          create(AbandonActivityTaskRequestSchema, { completionToken: 'nope' }),
        ),
        (err: grpc.ServiceError) => err.code === grpc.status.INVALID_ARGUMENT,
      );

      await server.stop();
      await ended; // the server ended the stream with OK
      assert.equal(executor.stats().streams, 0);
      const waiting = executor.executeActivity(create(ActivityRequestSchema, { name: 'x' }));
      await executor.stop();
      await assert.rejects(waiting, (err) => isDurableTaskError(err, 'SHUTDOWN'));
    } finally {
      client.close();
      await server.stop();
      await executor.stop();
    }
  });
});
