// The sidecar's log for one worker connection at the default level: a real
// @microsoft/durabletask-js worker connects, runs an orchestration and disconnects; one line at
// info says so, the rest is at debug. On SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  NoOpLogger,
  OrchestrationStatus,
  TaskHubGrpcClient,
  TaskHubGrpcWorker,
  type ActivityContext,
  type OrchestrationContext,
} from '@microsoft/durabletask-js';
import { RecordingLogger, type LogRecord } from '../faults/recording-logger.js';
import { backendKinds, startSidecarOn } from './both-backends.js';
import { waitUntil, type TestSidecar } from './harness.js';

const kinds = await backendKinds();

const rank = { debug: 0, info: 1, warn: 2, error: 3 } as const;
const atLeastInfo = (records: readonly LogRecord[]): LogRecord[] =>
  records.filter((record) => rank[record.level] >= rank.info);

for (const kind of kinds) {
  describe(`worker connection log lines (${kind})`, { timeout: 120_000 }, () => {
    let env: TestSidecar;
    let client: TaskHubGrpcClient;
    const logger = new RecordingLogger();

    before(async () => {
      env = await startSidecarOn(kind, { logger });
      client = new TaskHubGrpcClient({ hostAddress: env.address, logger: new NoOpLogger() });
    });

    after(async () => {
      await client?.stop();
      await env?.close();
    });

    test('one info line per worker connection; opening details and closing at debug', async () => {
      const from = logger.records.length;
      const worker = new TaskHubGrpcWorker({
        hostAddress: env.address,
        logger: new NoOpLogger(),
        shutdownTimeoutMs: 2_000,
      });
      worker.addNamedActivity('echo', (_ctx: ActivityContext, input: string) => input);
      worker.addNamedOrchestrator(
        'echoOrch',
        async function* (ctx: OrchestrationContext, input: string): AsyncGenerator<unknown, string, string> {
          return yield ctx.callActivity('echo', input);
        },
      );
      await worker.start();
      try {
        await waitUntil(() => env.sidecar.executor.stats().streams === 1, 'the worker stream');
        const instanceId = await client.scheduleNewOrchestration('echoOrch', 'hi');
        const state = await client.waitForOrchestrationCompletion(instanceId, true, 30);
        assert.equal(state?.runtimeStatus, OrchestrationStatus.COMPLETED);
      } finally {
        await worker.stop();
      }
      await waitUntil(() => env.sidecar.executor.stats().streams === 0, 'the stream to close');
      // The closing lines come from two components: wait for both before counting.
      await waitUntil(
        () => logger.records.slice(from).filter((r) => /work item stream/.test(r.msg)).length >= 3,
        'the opening and closing lines',
      );
      const connection = logger.records.slice(from).filter((r) => /work item stream/.test(r.msg));
      assert.deepEqual(
        atLeastInfo(connection).map((r) => r.msg),
        ['work item stream opened'],
        `every line: ${JSON.stringify(connection.map((r) => [r.level, r.msg]))}`,
      );
      assert.ok(connection.some((r) => r.level === 'debug' && /closed|disconnected/.test(r.msg)));
      assert.deepEqual(atLeastInfo(logger.records.slice(from)).length, 1, 'nothing else at info for this');
    });
  });
}
