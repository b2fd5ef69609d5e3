// Its own file (so its own process): the two Durable Task SDKs' google-protobuf code shares
// global message classes, so loading both in one process breaks one of them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { create } from '@bufbuild/protobuf';
import { TaskHubGrpcWorker } from '@dapr/durabletask-js';
import { RemoteExecutor } from '../executor/remote/index.js';
import { ActivityRequestSchema } from '../proto/orchestrator_service_pb.js';
import { SidecarServer } from './sidecar-server.js';

function sayHello(_ctx: unknown, name: string): string {
  return `Hello, ${name}!`;
}

test('the @dapr/durabletask-js worker (no completion tokens) completes an activity', async () => {
  const executor = new RemoteExecutor();
  void executor.start();
  const server = new SidecarServer({ executor, shutdownGraceMs: 2_000 });
  const port = await server.start({ port: 0 });
  const worker = new TaskHubGrpcWorker(`127.0.0.1:${port}`);
  worker.addActivity(sayHello);
  try {
    await worker.start();
    for (let waited = 0; executor.stats().streams === 0; waited += 10) {
      if (waited > 10_000) throw new Error('the Dapr worker did not connect');
      await sleep(10);
    }
    const response = await executor.executeActivity(
      create(ActivityRequestSchema, {
        name: 'sayHello',
        input: '"Lima"',
        taskId: 2,
        orchestrationInstance: { instanceId: 'd1' },
      }),
    );
    assert.equal(response.completionToken, '', 'matched by instanceId + taskId');
    assert.equal(response.result, JSON.stringify('Hello, Lima!'));
  } finally {
    await worker.stop();
    await server.stop();
    await executor.stop();
  }
});
