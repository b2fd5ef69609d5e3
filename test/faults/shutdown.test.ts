// Shutting down cancels in-flight work back to the store and answers every waiting caller, in
// process and in the sidecar. Leases here last a minute, so work that completes within seconds of
// a restart was handed back at shutdown, not recovered by lease expiry.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { EmptySchema, timestampFromMs } from '@bufbuild/protobuf/wkt';
import * as grpc from '@grpc/grpc-js';
import {
  NoOpLogger,
  TaskHubGrpcClient,
  TaskHubGrpcWorker,
  type ActivityContext as MsActivityContext,
  type OrchestrationContext as MsOrchestrationContext,
} from '@microsoft/durabletask-js';
import { isDurableTaskError } from '../../src/api/errors.js';
import { OrchestrationStatus } from '../../src/api/status.js';
import { SqliteBackend } from '../../src/backend/sqlite/index.js';
import { DurableTaskEngine } from '../../src/embedded/index.js';
import {
  CreateInstanceRequestSchema,
  GetInstanceRequestSchema,
  GetWorkItemsRequestSchema,
  OrchestratorResponseSchema,
  type WorkItem,
} from '../../src/proto/orchestrator_service_pb.js';
import type { ActivityContext } from '../../src/sdk/activity.js';
import type { OrchestrationContext } from '../../src/sdk/context.js';
import type { OrchestratorGenerator } from '../../src/sdk/orchestrator.js';
import { Registry } from '../../src/sdk/registry.js';
import { Sidecar } from '../../src/sidecar/sidecar.js';
import { RawSidecarClient } from '../../src/sidecar/testing/raw-client.js';
import { waitUntil, within } from '../sidecar/harness.js';

/** Far longer than any wait below: nothing here may be recovered by a lease running out. */
const LOCK_DURATION_MS = 60_000;
const RESTART_DEADLINE_MS = 15_000;

// eslint-disable-next-line require-yield -- the SDK worker runs only async generators; this one ends in one step
async function* echoTurn(
  _ctx: MsOrchestrationContext,
  input: string,
): AsyncGenerator<unknown, string, unknown> {
  return input;
}
async function* callsWorkForDurabletaskJs(
  ctx: MsOrchestrationContext,
  input: string,
): AsyncGenerator<unknown, string, unknown> {
  return (yield ctx.callActivity('work', input)) as string;
}

/** Settles with the rejection reason, so a wait answered during a stop is never unhandled. */
function outcomeOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('the wait resolved instead of being refused'),
    (err: unknown) => err,
  );
}

function tempStore(): { path: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'durabletask-shutdown-'));
  return { path: join(dir, 'hub.db'), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('shutting down hands in-flight work back and answers every caller', () => {
  test('in process: an activity in flight is aborted and handed back; start and completion waits are answered', async () => {
    const store = tempStore();
    let activityRuns = 0;
    let abortedBy: unknown;
    function* callsWork(ctx: OrchestrationContext, input: string): OrchestratorGenerator<string> {
      return (yield ctx.callActivity('work', input)) as string;
    }
    const register = (work: (ctx: ActivityContext, input: string) => Promise<string> | string) =>
      new Registry().addNamedOrchestrator('callsWork', callsWork).addNamedActivity('work', work);
    const engineWith = (registry: Registry) =>
      new DurableTaskEngine({
        backend: new SqliteBackend({ path: store.path, synchronous: 'NORMAL' }),
        registry,
        worker: { lockDurationMs: LOCK_DURATION_MS, pollIntervalMs: 200 },
      });
    const first = engineWith(
      register(
        (ctx) =>
          new Promise<string>((_, reject) => {
            activityRuns += 1;
            ctx.signal.addEventListener('abort', () => {
              abortedBy = ctx.signal.reason;
              reject(new Error('aborted'));
            });
          }),
      ),
    );
    let second: DurableTaskEngine | undefined;
    try {
      await first.start();
      const busy = await first.client.scheduleNewOrchestration('callsWork', 'in flight', {
        instanceId: 'busy',
      });
      const later = await first.client.scheduleNewOrchestration('callsWork', 'later', {
        instanceId: 'later',
        startAt: new Date(Date.now() + 10 * 60_000),
      });
      await waitUntil(() => activityRuns === 1, 'the activity to start');
      const completionWait = outcomeOf(first.client.waitForOrchestrationCompletion(busy));
      const startWait = outcomeOf(first.client.waitForOrchestrationStart(later));

      await within(first.stop(), 10_000, 'the engine to stop');
      for (const wait of [completionWait, startWait]) {
        const err = await within(wait, 1_000, 'a wait');
        assert.ok(isDurableTaskError(err, 'SHUTDOWN'), String(err));
      }
      assert.ok(isDurableTaskError(abortedBy, 'SHUTDOWN'), 'the activity was told why it was aborted');

      second = engineWith(register((_ctx, input) => `done: ${input}`));
      await second.start();
      const state = await second.client.waitForOrchestrationCompletion(busy, {
        timeoutMs: RESTART_DEADLINE_MS,
      });
      assert.equal(state.status, OrchestrationStatus.COMPLETED);
      assert.equal(state.output, JSON.stringify('done: in flight'));
      assert.equal(activityRuns, 1, 'the aborted run was not retried by the first engine');
      assert.equal((await second.client.getOrchestrationState(later))?.status, OrchestrationStatus.PENDING);
    } finally {
      await first.stop();
      await second?.stop();
      store.dispose();
    }
  });

  test('sidecar: a held turn and a held activity go back to the store; waits are UNAVAILABLE; the stream ends', async () => {
    const store = tempStore();
    // Instance ids the store was asked about: a wait reads its instance once it is registered.
    const readIds = new Set<string>();
    const recordingReads = (backend: SqliteBackend): SqliteBackend => {
      const getInstance = backend.getInstance.bind(backend);
      backend.getInstance = (instanceId, fetchPayloads) => {
        readIds.add(instanceId);
        return getInstance(instanceId, fetchPayloads);
      };
      return backend;
    };
    const sidecarOn = () =>
      new Sidecar({
        backend: recordingReads(new SqliteBackend({ path: store.path, synchronous: 'NORMAL' })),
        shutdownGraceMs: 1_000,
        worker: { lockDurationMs: LOCK_DURATION_MS, pollIntervalMs: 200 },
      });
    const first = sidecarOn();
    let second: Sidecar | undefined;
    let raw: RawSidecarClient | undefined;
    let client: TaskHubGrpcClient | undefined;
    let worker: TaskHubGrpcWorker | undefined;
    try {
      const { port } = await first.start({ port: 0 });
      raw = new RawSidecarClient(`127.0.0.1:${port}`);
      await raw.unary('hello', create(EmptySchema));
      // A worker that schedules the activity of 'task-held' and then holds everything it gets.
      const stream = raw.stream('getWorkItems', create(GetWorkItemsRequestSchema, {}));
      const held: WorkItem[] = [];
      const streamEnded = new Promise<grpc.status | 'end'>((resolve) => {
        stream.on('end', () => resolve('end'));
        stream.on('error', (err: grpc.ServiceError) => resolve(err.code));
      });
      stream.on('data', (item: WorkItem) => {
        const request = item.request;
        if (request.case === 'orchestratorRequest' && request.value.instanceId === 'task-held') {
          void raw?.unary(
            'completeOrchestratorTask',
            create(OrchestratorResponseSchema, {
              instanceId: 'task-held',
              completionToken: item.completionToken,
              actions: [
                {
                  id: 1,
                  orchestratorActionType: {
                    case: 'scheduleTask',
                    value: { name: 'work', input: '"activity"' },
                  },
                },
              ],
            }),
          );
          return;
        }
        if (request.case !== 'healthPing') held.push(item);
      });
      const start = (instanceId: string, name: string, input: string, startAt?: number) =>
        raw!.unary(
          'startInstance',
          create(CreateInstanceRequestSchema, {
            instanceId,
            name,
            input,
            ...(startAt !== undefined && { scheduledStartTimestamp: timestampFromMs(startAt) }),
          }),
        );
      await start('turn-held', 'echoTurn', '"turn"');
      await start('task-held', 'callsWork', '"activity"');
      await start('later', 'echoTurn', '"later"', Date.now() + 10 * 60_000);
      await waitUntil(() => held.length === 2, 'a turn and an activity held by the worker');
      assert.deepEqual(held.map((item) => item.request.case).sort(), [
        'activityRequest',
        'orchestratorRequest',
      ]);

      readIds.clear();
      const completionWait = outcomeOf(
        raw.unary('waitForInstanceCompletion', create(GetInstanceRequestSchema, { instanceId: 'turn-held' })),
      );
      const startWait = outcomeOf(
        raw.unary('waitForInstanceStart', create(GetInstanceRequestSchema, { instanceId: 'later' })),
      );
      await waitUntil(() => readIds.has('turn-held') && readIds.has('later'), 'both waits to be registered');
      await within(first.stop(), 10_000, 'the sidecar to stop');
      for (const wait of [completionWait, startWait]) {
        const err = (await within(wait, 1_000, 'a wait')) as grpc.ServiceError;
        assert.equal(err.code, grpc.status.UNAVAILABLE, err.details);
        assert.match(err.details, /shutting down/);
      }
      assert.ok(
        [grpc.status.UNAVAILABLE, grpc.status.CANCELLED, 'end'].includes(
          await within(streamEnded, 1_000, 'the stream'),
        ),
      );
      raw.close();
      raw = undefined;

      // A real SDK worker on a restarted sidecar finishes both long before a lease could run out.
      second = sidecarOn();
      const restarted = await second.start({ port: 0 });
      const address = `127.0.0.1:${restarted.port}`;
      worker = new TaskHubGrpcWorker({
        hostAddress: address,
        logger: new NoOpLogger(),
        shutdownTimeoutMs: 2_000,
      });
      worker.addNamedOrchestrator('echoTurn', echoTurn);
      worker.addNamedOrchestrator('callsWork', callsWorkForDurabletaskJs);
      worker.addNamedActivity('work', (_ctx: MsActivityContext, input: string) => `done: ${input}`);
      await worker.start();
      client = new TaskHubGrpcClient({ hostAddress: address, logger: new NoOpLogger() });
      const timeoutS = RESTART_DEADLINE_MS / 1_000;
      const turn = await client.waitForOrchestrationCompletion('turn-held', true, timeoutS);
      assert.equal(turn?.serializedOutput, '"turn"');
      const task = await client.waitForOrchestrationCompletion('task-held', true, timeoutS);
      assert.equal(task?.serializedOutput, JSON.stringify('done: activity'));
    } finally {
      raw?.close();
      await Promise.allSettled([worker?.stop(), client?.stop()]);
      await first.stop();
      await second?.stop();
      store.dispose();
    }
  });
});
