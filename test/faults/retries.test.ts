// Abandoned work is retried with a growing delay, and work that keeps failing is visible: the
// worker's warning names the instance, the attempt and the next delay. In process (an executor
// that fails), through the sidecar (a durabletask-js worker that abandons what it will not run),
// and for a work item whose worker stream dies each time it is handed out.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import {
  NoOpLogger,
  OrchestrationStatus as MsStatus,
  TaskHubGrpcClient,
  TaskHubGrpcWorker,
  VersionFailureStrategy,
  VersionMatchStrategy,
  type ActivityContext as MsActivityContext,
  type OrchestrationContext as MsOrchestrationContext,
  type VersioningOptions,
} from '@microsoft/durabletask-js';
import { OrchestrationStatus } from '../../src/api/status.js';
import { SqliteBackend } from '../../src/backend/sqlite/index.js';
import { TaskHubClient } from '../../src/client/index.js';
import type { Executor } from '../../src/executor/executor.js';
import { InProcessExecutor } from '../../src/executor/in-process-executor.js';
import {
  CreateInstanceRequestSchema,
  GetWorkItemsRequestSchema,
  type WorkItem,
} from '../../src/proto/orchestrator_service_pb.js';
import type { OrchestrationContext } from '../../src/sdk/context.js';
import type { OrchestratorGenerator } from '../../src/sdk/orchestrator.js';
import { Registry } from '../../src/sdk/registry.js';
import { RawSidecarClient } from '../../src/sidecar/testing/raw-client.js';
import { TaskHubWorker } from '../../src/worker/index.js';
import { startTestSidecar, waitUntil } from '../sidecar/harness.js';
import { RecordingLogger, type LogRecord } from './recording-logger.js';

/** The worker's retry delays for attempts 0, 1, 2: one second, doubled per attempt. */
const RETRY_DELAYS_MS = [1_000, 2_000, 4_000];
/** Date.now() granularity and rounding in the store: a gap may read this much short. */
const CLOCK_SLACK_MS = 5;

const retryWarnings = (logger: RecordingLogger, instanceId: string): LogRecord[] =>
  logger.about(instanceId).filter((record) => /work failed; it will be retried/.test(record.msg));

/** Each gap between consecutive times is at least the retry delay of the attempt before it. */
function assertGapsAtLeastRetryDelays(times: readonly number[]): void {
  for (let n = 1; n < times.length; n++) {
    const gap = times[n]! - times[n - 1]!;
    const delay = RETRY_DELAYS_MS[n - 1]!;
    assert.ok(gap >= delay - CLOCK_SLACK_MS, `retry ${n} came after ${gap} ms, before its ${delay} ms delay`);
  }
}

describe('abandoned work is retried with a growing delay and failing work is visible', () => {
  test('in process: an executor that fails twice delays the activity 1 s, then 2 s; the warnings name it', async () => {
    function* greetOnce(ctx: OrchestrationContext, name: string): OrchestratorGenerator<string> {
      return (yield ctx.callActivity('greet', name)) as string;
    }
    let greeted = 0;
    const registry = new Registry()
      .addNamedOrchestrator('greetOnce', greetOnce)
      .addNamedActivity('greet', (_ctx, name: string) => {
        greeted += 1;
        return `Hello, ${name}!`;
      });
    const inner = new InProcessExecutor(registry);
    const activityCalls: number[] = [];
    const failingTwice: Executor = {
      executeOrchestrator: (request, signal) => inner.executeOrchestrator(request, signal),
      executeActivity: (request, signal) => {
        activityCalls.push(Date.now());
        if (activityCalls.length <= 2) return Promise.reject(new Error('the activity host is unreachable'));
        return inner.executeActivity(request, signal);
      },
    };
    const logger = new RecordingLogger();
    const backend = new SqliteBackend({ path: ':memory:' });
    await backend.start();
    const worker = new TaskHubWorker({ backend, executor: failingTwice, logger, pollIntervalMs: 200 });
    const client = new TaskHubClient({ backend });
    try {
      await worker.start();
      const instanceId = await client.scheduleNewOrchestration('greetOnce', 'retry', {
        instanceId: 'flaky-host',
      });
      const state = await client.waitForOrchestrationCompletion(instanceId, { timeoutMs: 15_000 });
      assert.equal(state.status, OrchestrationStatus.COMPLETED);
      assert.equal(state.output, JSON.stringify('Hello, retry!'));
      assert.equal(greeted, 1, 'user code ran once, on the attempt that reached it');

      assert.equal(activityCalls.length, 3);
      assertGapsAtLeastRetryDelays(activityCalls);
      const warnings = retryWarnings(logger, instanceId);
      assert.deepEqual(
        warnings.map(({ fields }) => [fields['taskId'], fields['attempt'], fields['retryInMs']]),
        [
          [1, 0, RETRY_DELAYS_MS[0]],
          [1, 1, RETRY_DELAYS_MS[1]],
        ],
      );
      assert.match(String((warnings[0]?.fields['err'] as Error).message), /activity host is unreachable/);
    } finally {
      await client.stop();
      await worker.stop();
      await backend.stop();
    }
  });

  test('sidecar: a durabletask-js worker that abandons a version it will not run; the turn comes back after 1 s, 2 s, 4 s', async () => {
    async function* greeter(
      ctx: MsOrchestrationContext,
      name: string,
    ): AsyncGenerator<unknown, string, string> {
      return yield ctx.callActivity(greet, name);
    }
    const greet = (_ctx: MsActivityContext, name: string): string => `Hello, ${name}!`;
    const logger = new RecordingLogger();
    const env = await startTestSidecar({ logger });
    const client = new TaskHubGrpcClient({ hostAddress: env.address, logger: new NoOpLogger() });
    const workers: TaskHubGrpcWorker[] = [];
    const startWorker = async (versioning: VersioningOptions): Promise<TaskHubGrpcWorker> => {
      const worker = new TaskHubGrpcWorker({
        hostAddress: env.address,
        logger: new NoOpLogger(),
        shutdownTimeoutMs: 2_000,
        versioning,
      });
      worker.addOrchestrator(greeter);
      worker.addActivity(greet);
      const streams = env.sidecar.executor.stats().streams;
      await worker.start();
      workers.push(worker);
      await waitUntil(() => env.sidecar.executor.stats().streams === streams + 1, 'the worker stream');
      return worker;
    };
    try {
      const strict = { matchStrategy: VersionMatchStrategy.Strict } as const;
      const v1 = await startWorker({
        ...strict,
        version: '1.0',
        failureStrategy: VersionFailureStrategy.Reject,
      });
      const instanceId = await client.scheduleNewOrchestration(greeter, 'v2', {
        instanceId: 'needs-v2',
        version: '2.0',
      });
      await waitUntil(() => retryWarnings(logger, instanceId).length >= 3, 'three abandoned turns', 15_000);
      const warnings = retryWarnings(logger, instanceId).slice(0, 3);
      assert.deepEqual(
        warnings.map(({ fields }) => [fields['attempt'], fields['retryInMs']]),
        RETRY_DELAYS_MS.map((delay, attempt) => [attempt, delay]),
      );
      assert.match(String((warnings[0]?.fields['err'] as Error).message), /abandoned/);
      assertGapsAtLeastRetryDelays(warnings.map((record) => record.at));
      const pending = await client.getOrchestrationState(instanceId);
      assert.equal(pending?.runtimeStatus, MsStatus.PENDING, 'no turn was committed');

      // A worker that runs version 2.0 takes the turn when it comes back.
      await v1.stop();
      await startWorker({ ...strict, version: '2.0' });
      const state = await client.waitForOrchestrationCompletion(instanceId, true, 20);
      assert.equal(state?.serializedOutput, JSON.stringify('Hello, v2!'));
    } finally {
      await Promise.allSettled([...workers.map((worker) => worker.stop()), client.stop()]);
      await env.close();
    }
  });

  test('sidecar: a work item whose worker stream dies each time it is handed out is re-dispatched once, then retried with a growing delay, and a warning names it', async () => {
    const logger = new RecordingLogger();
    const env = await startTestSidecar({ logger });
    const raw = new RawSidecarClient(env.address);
    const deliveries: number[] = [];
    try {
      await raw.unary('hello', create(EmptySchema));
      await raw.unary(
        'startInstance',
        create(CreateInstanceRequestSchema, { instanceId: 'poison', name: 'echo' }),
      );
      // A worker that dies on the item and reconnects, bounded in deliveries and time.
      const deadline = Date.now() + 3_000;
      while (deliveries.length < 50 && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          const stream = raw.stream('getWorkItems', create(GetWorkItemsRequestSchema, {}));
          const timer = setTimeout(() => stream.cancel(), Math.max(deadline - Date.now(), 0));
          const done = (): void => {
            clearTimeout(timer);
            resolve();
          };
          stream.on('error', done);
          stream.on('end', done);
          stream.on('data', (item: WorkItem) => {
            if (item.request.case !== 'orchestratorRequest') return;
            deliveries.push(Date.now());
            stream.cancel();
          });
        });
      }
      // The first loss is re-dispatched at once (a stream may end by chance); from the second
      // on, the turn goes back to the store and returns after a growing delay.
      assert.ok(deliveries.length >= 3, `delivered ${deliveries.length} times: not retried`);
      assert.ok(deliveries.length <= 4, `delivered ${deliveries.length} times in 3 s: no growing delay`);
      assertGapsAtLeastRetryDelays(deliveries.slice(1));
      const warned = logger.about('poison');
      assert.ok(warned.length > 0, 'a warning names the instance that keeps failing');
    } finally {
      raw.close();
      await env.close();
    }
  });
});
