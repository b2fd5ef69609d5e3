// The client rpcs on the wire, through a bare gRPC client: the details an SDK depends on (empty
// ids, epoch start times, exists:false, status codes and messages, paging) and the rpcs the
// SDK clients do not reach (reuse policy, task hub, batches, entities, cancelled waits).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampFromMs } from '@bufbuild/protobuf/wkt';
import * as grpc from '@grpc/grpc-js';
import type { Backend } from '../../src/backend/backend.js';
import {
  CreateInstanceRequestSchema,
  CreateTaskHubRequestSchema,
  DeleteTaskHubRequestSchema,
  GetEntityRequestSchema,
  GetInstanceRequestSchema,
  ListInstanceIdsRequestSchema,
  OrchestrationStatus,
  PurgeInstancesRequestSchema,
  QueryInstancesRequestSchema,
  RaiseEventRequestSchema,
  SignalEntityRequestSchema,
  SkipGracefulOrchestrationTerminationsRequestSchema,
  StreamInstanceHistoryRequestSchema,
  TerminateRequestSchema,
  type GetInstanceResponse,
  type HistoryChunk,
} from '../../src/proto/orchestrator_service_pb.js';
import { sidecarServiceDefinition } from '../../src/sidecar/service-definition.js';
import { RawSidecarClient } from '../../src/sidecar/testing/raw-client.js';
import { startTestSidecar, waitUntil, type TestSidecar } from './harness.js';
import { RawEchoWorker } from './raw-worker.js';

function rejectsWith(code: grpc.status, details?: RegExp) {
  return (err: grpc.ServiceError): boolean => {
    assert.equal(grpc.status[err.code], grpc.status[code], err.details);
    if (details) assert.match(err.details, details);
    return true;
  };
}

/** Counts live backend subscriptions: waits must give theirs back when their call ends. */
function countingSubscriptions(backend: Backend, counter: { live: number }): Backend {
  return new Proxy(backend, {
    get(target, key, receiver) {
      if (key === 'subscribe') {
        return (listener: Parameters<Backend['subscribe']>[0]) => {
          const unsubscribe = target.subscribe(listener);
          counter.live += 1;
          let done = false;
          return () => {
            if (!done) counter.live -= 1;
            done = true;
            unsubscribe();
          };
        };
      }
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('client rpcs on the wire', () => {
  let env: TestSidecar;
  let raw: RawSidecarClient;
  let worker: RawEchoWorker;
  const subscriptions = { live: 0 };

  before(async () => {
    env = await startTestSidecar({
      maxPayloadBytes: 1024,
      wrapBackend: (backend) => countingSubscriptions(backend, subscriptions),
    });
    raw = new RawSidecarClient(env.address);
    worker = new RawEchoWorker(env.address);
    await worker.start();
  });

  after(async () => {
    worker?.close();
    raw?.close();
    await env?.close();
  });

  const start = (init: Parameters<typeof create<typeof CreateInstanceRequestSchema>>[1]) =>
    raw.unary('startInstance', create(CreateInstanceRequestSchema, { name: 'echo', ...init }));
  const get = (instanceId: string, getInputsAndOutputs = true) =>
    raw.unary('getInstance', create(GetInstanceRequestSchema, { instanceId, getInputsAndOutputs }));
  const completion = (instanceId: string) =>
    raw.unary(
      'waitForInstanceCompletion',
      create(GetInstanceRequestSchema, { instanceId, getInputsAndOutputs: true }),
    );
  const statusOf = async (instanceId: string) =>
    (await get(instanceId, false)).orchestrationState?.orchestrationStatus;

  test('StartInstance: an empty id gets a UUID; epoch 0 starts now; fields are stored as sent', async () => {
    const { instanceId } = await start({
      instanceId: '',
      input: '{"a":1.50}',
      version: '2.0',
      tags: { k: 'v' },
      scheduledStartTimestamp: timestampFromMs(0),
      executionId: 'exec-given',
    });
    assert.match(instanceId, /^[0-9a-f-]{36}$/);
    const done = await completion(instanceId);
    assert.equal(done.exists, true);
    const state = done.orchestrationState!;
    assert.equal(state.instanceId, instanceId);
    assert.equal(state.orchestrationStatus, OrchestrationStatus.COMPLETED);
    assert.equal(state.input, '{"a":1.50}', 'payloads are stored byte for byte');
    assert.equal(state.output, '{"a":1.50}');
    assert.equal(state.version, '2.0');
    assert.equal(state.executionId, 'exec-given');
    assert.deepEqual(state.tags, { k: 'v' });
    assert.equal(state.scheduledStartTimestamp, undefined);
    assert.ok(state.completedTimestamp && state.createdTimestamp);
    assert.ok(timestampDate(state.completedTimestamp) >= timestampDate(state.createdTimestamp));

    // Soon enough to have run by the time the last test empties the hub.
    const later = Date.now() + 2_000;
    const scheduled = await start({
      instanceId: 'scheduled-1',
      scheduledStartTimestamp: timestampFromMs(later),
    });
    const pending = (await get(scheduled.instanceId)).orchestrationState!;
    assert.equal(pending.orchestrationStatus, OrchestrationStatus.PENDING);
    assert.equal(
      pending.scheduledStartTimestamp && timestampDate(pending.scheduledStartTimestamp).getTime(),
      later,
    );
  });

  test('StartInstance: an empty input is no input; bad names, ids and payloads are refused', async () => {
    const { instanceId } = await start({ instanceId: 'empty-input', input: '' });
    assert.equal((await completion(instanceId)).orchestrationState?.input, undefined);
    await assert.rejects(
      start({ name: '' }),
      rejectsWith(grpc.status.INVALID_ARGUMENT, /orchestration name/),
    );
    await assert.rejects(
      start({ instanceId: 'x'.repeat(300) }),
      rejectsWith(grpc.status.INVALID_ARGUMENT, /at most 256/),
    );
    await assert.rejects(
      start({ instanceId: 'big', input: JSON.stringify('x'.repeat(2_000)) }),
      rejectsWith(grpc.status.RESOURCE_EXHAUSTED, /input is \d+ bytes, over the limit of 1024/),
    );
    assert.equal((await get('big')).exists, false, 'nothing stored');
  });

  test('StartInstance: a terminal instance is replaced by default; a reuse policy lists exactly what is replaced', async () => {
    await start({ instanceId: 'reuse', input: '"one"' });
    await completion('reuse');
    await assert.rejects(
      start({
        instanceId: 'reuse',
        orchestrationIdReusePolicy: { replaceableStatus: [OrchestrationStatus.FAILED] },
      }),
      rejectsWith(grpc.status.ALREADY_EXISTS, /'reuse' already exists/),
    );
    // A policy listing nothing replaces nothing (the .NET SDK's "every status is a dedupe status").
    await assert.rejects(
      start({ instanceId: 'reuse', orchestrationIdReusePolicy: { replaceableStatus: [] } }),
      rejectsWith(grpc.status.ALREADY_EXISTS),
    );
    await start({
      instanceId: 'reuse',
      input: '"two"',
      orchestrationIdReusePolicy: { replaceableStatus: [OrchestrationStatus.COMPLETED] },
    });
    await waitUntil(
      async () => (await get('reuse')).orchestrationState?.output === '"two"',
      'the replacement',
    );
    // No policy: the completed instance is replaced.
    await start({ instanceId: 'reuse', input: '"three"' });
    await waitUntil(
      async () => (await get('reuse')).orchestrationState?.output === '"three"',
      'the default replacement',
    );
  });

  test('StartInstance: a pending or running instance is ALREADY_EXISTS without a policy', async () => {
    await start({ instanceId: 'busy', input: '"wait"' });
    await waitUntil(
      async () => (await get('busy')).orchestrationState?.orchestrationStatus === OrchestrationStatus.RUNNING,
      'the running instance',
    );
    await assert.rejects(
      start({ instanceId: 'busy' }),
      rejectsWith(grpc.status.ALREADY_EXISTS, /'busy' already exists/),
    );
  });

  test('GetInstance: exists:false for an unknown id; payloads only when asked', async () => {
    const missing: GetInstanceResponse = await get('never-started');
    assert.equal(missing.exists, false);
    assert.equal(missing.orchestrationState, undefined);
    await start({ instanceId: 'payloads', input: '"p"' });
    await completion('payloads');
    const bare = (await get('payloads', false)).orchestrationState!;
    assert.equal(bare.input, undefined);
    assert.equal(bare.output, undefined);
    assert.equal(bare.name, 'echo');
    await assert.rejects(get(''), rejectsWith(grpc.status.INVALID_ARGUMENT, /non-empty/));
  });

  test('a cancelled wait gives its backend listener back', async () => {
    await start({ instanceId: 'long-wait', input: '"wait"' });
    const before = subscriptions.live;
    const channel = new grpc.Client(env.address, grpc.credentials.createInsecure());
    const def = sidecarServiceDefinition.waitForInstanceCompletion;
    const outcome = new Promise<grpc.ServiceError | null>((resolve) => {
      const call = channel.makeUnaryRequest(
        def.path,
        def.requestSerialize,
        def.responseDeserialize,
        create(GetInstanceRequestSchema, { instanceId: 'long-wait' }),
        (err) => resolve(err),
      );
      void waitUntil(() => subscriptions.live === before + 1, 'the wait to subscribe').then(() =>
        call.cancel(),
      );
    });
    assert.equal((await outcome)?.code, grpc.status.CANCELLED);
    await waitUntil(() => subscriptions.live === before, 'the wait to unsubscribe');
    channel.close();
  });

  test('RaiseEvent and TerminateInstance: validation, NOT_FOUND, and the terminate output', async () => {
    await assert.rejects(
      raw.unary('raiseEvent', create(RaiseEventRequestSchema, { instanceId: 'nope', name: 'e' })),
      rejectsWith(grpc.status.NOT_FOUND, /No orchestration instance with id 'nope' exists/),
    );
    await assert.rejects(
      raw.unary('raiseEvent', create(RaiseEventRequestSchema, { instanceId: 'nope', name: '' })),
      rejectsWith(grpc.status.INVALID_ARGUMENT, /event name/),
    );
    await start({ instanceId: 'to-terminate', input: '"wait"' });
    await waitUntil(async () => (await statusOf('to-terminate')) === OrchestrationStatus.RUNNING, 'RUNNING');
    await raw.unary(
      'terminateInstance',
      create(TerminateRequestSchema, { instanceId: 'to-terminate', output: '"bye"', recursive: true }),
    );
    const state = (await completion('to-terminate')).orchestrationState!;
    assert.equal(state.orchestrationStatus, OrchestrationStatus.TERMINATED);
    assert.equal(state.output, '"bye"');
  });

  test('QueryInstances and ListInstanceIds: paging, filters, bad tokens', async () => {
    for (const n of [1, 2, 3]) await start({ instanceId: `page-${n}`, input: `${n}` });
    await start({ instanceId: 'page-running', input: '"wait"' });
    for (const n of [1, 2, 3]) await completion(`page-${n}`);
    await waitUntil(async () => (await statusOf('page-running')) === OrchestrationStatus.RUNNING, 'RUNNING');

    const first = await raw.unary(
      'queryInstances',
      create(QueryInstancesRequestSchema, {
        query: {
          instanceIdPrefix: 'page-',
          maxInstanceCount: 2,
          runtimeStatus: [OrchestrationStatus.COMPLETED],
        },
      }),
    );
    assert.deepEqual(
      first.orchestrationState.map((s) => s.instanceId),
      ['page-1', 'page-2'],
    );
    assert.ok(first.continuationToken);
    const second = await raw.unary(
      'queryInstances',
      create(QueryInstancesRequestSchema, {
        query: {
          instanceIdPrefix: 'page-',
          maxInstanceCount: 2,
          runtimeStatus: [OrchestrationStatus.COMPLETED],
          continuationToken: first.continuationToken,
          fetchInputsAndOutputs: true,
        },
      }),
    );
    assert.deepEqual(
      second.orchestrationState.map((s) => [s.instanceId, s.output]),
      [['page-3', '3']],
    );
    assert.equal(second.continuationToken, undefined);
    await assert.rejects(
      raw.unary(
        'queryInstances',
        create(QueryInstancesRequestSchema, { query: { continuationToken: 'garbage!' } }),
      ),
      rejectsWith(grpc.status.INVALID_ARGUMENT, /continuation token/),
    );

    const completedSince = await raw.unary(
      'listInstanceIds',
      create(ListInstanceIdsRequestSchema, {
        completedTimeFrom: timestampFromMs(Date.now() - 60_000),
        pageSize: 1000,
      }),
    );
    assert.ok(completedSince.instanceIds.includes('page-1'));
    assert.ok(!completedSince.instanceIds.includes('page-running'), 'not completed');
    const completedInFuture = await raw.unary(
      'listInstanceIds',
      create(ListInstanceIdsRequestSchema, { completedTimeFrom: timestampFromMs(Date.now() + 60_000) }),
    );
    assert.deepEqual(completedInFuture.instanceIds, []);
    const running = await raw.unary(
      'listInstanceIds',
      create(ListInstanceIdsRequestSchema, { runtimeStatus: [OrchestrationStatus.RUNNING], pageSize: 1000 }),
    );
    assert.ok(running.instanceIds.includes('page-running'));
    assert.ok(!running.instanceIds.includes('page-1'));
  });

  test('StreamInstanceHistory: chunks, a stale execution id and an unknown instance', async () => {
    await start({ instanceId: 'hist', input: '"h"', executionId: 'exec-h' });
    await completion('hist');
    const read = (executionId?: string) =>
      new Promise<HistoryChunk[]>((resolve, reject) => {
        const chunks: HistoryChunk[] = [];
        const stream = raw.stream(
          'streamInstanceHistory',
          create(StreamInstanceHistoryRequestSchema, {
            instanceId: 'hist',
            ...(executionId && { executionId }),
          }),
        );
        stream.on('data', (chunk: HistoryChunk) => chunks.push(chunk));
        stream.on('end', () => resolve(chunks));
        stream.on('error', reject);
      });
    const chunks = await read('exec-h');
    const cases = chunks.flatMap((chunk) => chunk.events.map((event) => event.eventType.case));
    assert.ok(cases.includes('executionStarted') && cases.includes('executionCompleted'));
    await assert.rejects(read('exec-old'), rejectsWith(grpc.status.NOT_FOUND, /only the latest execution/));
    await assert.rejects(
      new Promise((resolve, reject) => {
        const stream = raw.stream(
          'streamInstanceHistory',
          create(StreamInstanceHistoryRequestSchema, { instanceId: 'gone' }),
        );
        stream.on('data', () => undefined);
        stream.on('end', resolve);
        stream.on('error', reject);
      }),
      rejectsWith(grpc.status.NOT_FOUND),
    );
  });

  test('PurgeInstances: a batch skips running and unknown ids; a request without a target is refused', async () => {
    await start({ instanceId: 'batch-done', input: '1' });
    await start({ instanceId: 'batch-running', input: '"wait"' });
    await completion('batch-done');
    const result = await raw.unary(
      'purgeInstances',
      create(PurgeInstancesRequestSchema, {
        request: {
          case: 'instanceBatch',
          value: { instanceIds: ['batch-done', 'batch-running', 'batch-unknown'] },
        },
      }),
    );
    assert.equal(result.deletedInstanceCount, 1);
    assert.equal(result.isComplete, true);
    assert.equal((await get('batch-done')).exists, false);
    assert.equal((await get('batch-running')).exists, true);
    await assert.rejects(
      raw.unary('purgeInstances', create(PurgeInstancesRequestSchema, {})),
      rejectsWith(grpc.status.INVALID_ARGUMENT, /instanceId, a purgeInstanceFilter or an instanceBatch/),
    );
  });

  test('SkipGracefulOrchestrationTerminations terminates running ones and reports the rest', async () => {
    await start({ instanceId: 'skip-running', input: '"wait"' });
    await start({ instanceId: 'skip-done', input: '1' });
    await completion('skip-done');
    await waitUntil(async () => (await statusOf('skip-running')) === OrchestrationStatus.RUNNING, 'RUNNING');
    const response = await raw.unary(
      'skipGracefulOrchestrationTerminations',
      create(SkipGracefulOrchestrationTerminationsRequestSchema, {
        instanceBatch: { instanceIds: ['skip-running', 'skip-done', 'skip-unknown'] },
        reason: 'maintenance',
      }),
    );
    assert.deepEqual(response.unterminatedInstanceIds, ['skip-done', 'skip-unknown']);
    const state = (await completion('skip-running')).orchestrationState!;
    assert.equal(state.orchestrationStatus, OrchestrationStatus.TERMINATED);
    assert.equal(state.output, '"maintenance"');
  });

  test('entity rpcs answer UNIMPLEMENTED and say why', async () => {
    await assert.rejects(
      raw.unary('signalEntity', create(SignalEntityRequestSchema, { instanceId: '@counter@a', name: 'add' })),
      rejectsWith(grpc.status.UNIMPLEMENTED, /Durable entities are not supported yet.*SignalEntity/),
    );
    await assert.rejects(
      raw.unary('getEntity', create(GetEntityRequestSchema, { instanceId: '@counter@a' })),
      rejectsWith(grpc.status.UNIMPLEMENTED, /Durable entities are not supported yet.*GetEntity/),
    );
  });

  // Last: it empties the hub.
  test('CreateTaskHub is a no-op; DeleteTaskHub refuses while instances run, then empties the hub', async () => {
    await raw.unary('createTaskHub', create(CreateTaskHubRequestSchema, {}));
    await start({ instanceId: 'hub-running', input: '"wait"' });
    await assert.rejects(
      raw.unary('deleteTaskHub', create(DeleteTaskHubRequestSchema, {})),
      rejectsWith(grpc.status.FAILED_PRECONDITION, /terminate them before deleting the task hub/),
    );
    assert.equal((await get('payloads')).exists, true, 'nothing deleted');
    const { instanceIds } = await raw.unary(
      'listInstanceIds',
      create(ListInstanceIdsRequestSchema, {
        runtimeStatus: [OrchestrationStatus.RUNNING, OrchestrationStatus.PENDING],
        pageSize: 1000,
      }),
    );
    for (const instanceId of instanceIds) {
      await raw.unary('terminateInstance', create(TerminateRequestSchema, { instanceId }));
    }
    for (const instanceId of instanceIds) await completion(instanceId);
    await raw.unary('deleteTaskHub', create(DeleteTaskHubRequestSchema, {}));
    const left = await raw.unary('listInstanceIds', create(ListInstanceIdsRequestSchema, {}));
    assert.deepEqual(left.instanceIds, []);
  });
});
