import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { create } from '@bufbuild/protobuf';
import { isDurableTaskError, TimeoutError } from '../../api/errors.js';
import {
  ActivityRequestSchema,
  ActivityResponseSchema,
  OrchestratorRequestSchema,
  OrchestratorResponseSchema,
} from '../../proto/orchestrator_service_pb.js';
import { RemoteExecutor } from './remote-executor.js';
import { ACCEPT_EVERYTHING } from './routing.js';
import { FakeClock } from '../../loop/testing/fake-clock.js';
import { MemorySink } from './testing/fakes.js';

/** Lets the loops deliver what was enqueued. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await tick();
}

function newExecutor(): RemoteExecutor {
  const time = new FakeClock(0);
  const executor = new RemoteExecutor({ clock: time, pingIntervalMs: 0 });
  void executor.start();
  return executor;
}

const orchestratorRequest = (instanceId: string) => create(OrchestratorRequestSchema, { instanceId });
const activityRequest = (instanceId: string, taskId: number) =>
  create(ActivityRequestSchema, { name: 'a', taskId, orchestrationInstance: { instanceId } });

describe('RemoteExecutor', () => {
  test('round trip: the item reaches the sink and the completion answers the caller', async () => {
    const executor = newExecutor();
    const sink = new MemorySink('s1');
    executor.connectStream(sink, ACCEPT_EVERYTHING);
    const result = executor.executeActivity(activityRequest('i1', 4));
    await settle();
    assert.equal(sink.written.length, 1);
    const token = sink.written[0]!.completionToken;
    await executor.completeActivity(
      create(ActivityResponseSchema, { instanceId: 'i1', taskId: 4, result: '42', completionToken: token }),
    );
    assert.equal((await result).result, '42');
    await executor.stop();
    assert.equal(sink.closed, true);
  });

  test('a caller signal cancels the wait', async () => {
    const executor = newExecutor();
    const controller = new AbortController();
    const waiting = executor.executeOrchestrator(orchestratorRequest('i1'), controller.signal);
    await settle();
    controller.abort(new TimeoutError('turn timed out'));
    await assert.rejects(waiting, /turn timed out/);
    await assert.rejects(
      executor.executeOrchestrator(orchestratorRequest('i2'), AbortSignal.abort()),
      (err) => isDurableTaskError(err, 'TASK_CANCELLED'),
    );
    assert.deepEqual(executor.stats(), { streams: 0, outstanding: 0, waiting: 0 });
    await executor.stop();
  });

  test('stop rejects waiting work with ShutdownError and refuses later calls', async () => {
    const executor = newExecutor();
    const waiting = executor.executeOrchestrator(orchestratorRequest('i1'));
    await executor.stop();
    await assert.rejects(waiting, (err) => isDurableTaskError(err, 'SHUTDOWN'));
    await assert.rejects(executor.executeActivity(activityRequest('i1', 1)), (err) =>
      isDurableTaskError(err, 'SHUTDOWN'),
    );
    await assert.rejects(executor.completeOrchestrator(create(OrchestratorResponseSchema, {})), (err) =>
      isDurableTaskError(err, 'SHUTDOWN'),
    );
    const late = new MemorySink('late');
    executor.connectStream(late, ACCEPT_EVERYTHING);
    await settle();
    assert.equal(late.closed, true);
    await executor.stop(); // idempotent
  });

  test('stop without start still settles and answers everything', async () => {
    const executor = new RemoteExecutor({ pingIntervalMs: 0 });
    const waiting = executor.executeOrchestrator(orchestratorRequest('i1'));
    await executor.stop();
    await assert.rejects(waiting, (err) => isDurableTaskError(err, 'SHUTDOWN'));
  });

  test('a write failure moves the stream’s items to another stream', async () => {
    const executor = newExecutor();
    const broken = new MemorySink('broken');
    broken.failure = new Error('EPIPE');
    executor.connectStream(broken, ACCEPT_EVERYTHING);
    const result = executor.executeOrchestrator(orchestratorRequest('i1'));
    await settle();
    assert.equal(broken.closed, true);
    assert.deepEqual(executor.stats(), { streams: 0, outstanding: 0, waiting: 1 });

    const healthy = new MemorySink('healthy');
    executor.connectStream(healthy, ACCEPT_EVERYTHING);
    await settle();
    assert.equal(healthy.written.length, 1);
    await executor.completeOrchestrator(
      create(OrchestratorResponseSchema, {
        instanceId: 'i1',
        completionToken: healthy.written[0]!.completionToken,
      }),
    );
    assert.equal((await result).instanceId, 'i1');
    await executor.stop();
  });

  test('back-pressure: items queue until the transport drains', async () => {
    const executor = newExecutor();
    const sink = new MemorySink('s1');
    sink.capacity = 1;
    const connection = executor.connectStream(sink, ACCEPT_EVERYTHING);
    const results = [1, 2, 3].map((taskId) => executor.executeActivity(activityRequest('i1', taskId)));
    await settle();
    assert.equal(sink.written.length, 1);
    sink.capacity = Infinity;
    connection.drained();
    await settle();
    assert.equal(sink.written.length, 3);
    connection.disconnect();
    await settle();
    assert.deepEqual(executor.stats(), { streams: 0, outstanding: 0, waiting: 3 });
    await executor.stop();
    for (const result of results) await assert.rejects(result, (err) => isDurableTaskError(err, 'SHUTDOWN'));
  });
});
