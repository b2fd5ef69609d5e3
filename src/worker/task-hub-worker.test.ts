import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { isDurableTaskError } from '../api/errors.js';
import { OrchestrationStatus } from '../api/status.js';
import type { Executor } from '../executor/executor.js';
import {
  ActivityResponseSchema,
  OrchestratorResponseSchema,
  type ActivityRequest,
  type HistoryEvent,
  type OrchestratorRequest,
} from '../proto/orchestrator_service_pb.js';
import { eventOf } from '../runtime/history-events.js';
import { TaskHubWorker } from './task-hub-worker.js';
import { FakeClock } from '../loop/testing/fake-clock.js';
import { FakeWorkBackend } from './testing/fake-work-backend.js';

/** One orchestrator: schedule Greet(input), then complete with its result. */
function greetOrchestrator(request: OrchestratorRequest) {
  const events = [...request.pastEvents, ...request.newEvents];
  const input = events.map((e) => eventOf(e, 'executionStarted')).find(Boolean)?.input;
  const completed = events.map((e) => eventOf(e, 'taskCompleted')).find(Boolean);
  const scheduled = events.some((e) => e.eventType.case === 'taskScheduled');
  const actions = completed
    ? [
        {
          id: 1,
          orchestratorActionType: {
            case: 'completeOrchestration' as const,
            value: {
              orchestrationStatus: OrchestrationStatus.COMPLETED,
              ...(completed.result && { result: completed.result }),
            },
          },
        },
      ]
    : scheduled
      ? []
      : [
          {
            id: 0,
            orchestratorActionType: {
              case: 'scheduleTask' as const,
              value: { name: 'Greet', ...(input && { input }) },
            },
          },
        ];
  return create(OrchestratorResponseSchema, { instanceId: request.instanceId, actions });
}

/** An executor whose calls wait until aborted: work that is in flight at shutdown. */
function waitUntilAborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_resolve, reject) => {
    signal?.addEventListener('abort', () => reject(new Error('aborted by the worker')), { once: true });
  });
}

function completionOf(history: readonly HistoryEvent[]) {
  return history.map((e) => eventOf(e, 'executionCompleted')).find(Boolean);
}

/** Resolves once `check` holds, re-checked on every turn of the event loop (bounded). */
async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (check()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail(`timed out waiting for ${what}`);
}

function setup(executor: Executor, options: { maxConcurrentActivities?: number } = {}) {
  const clock = new FakeClock();
  const backend = new FakeWorkBackend(() => clock.now());
  const worker = new TaskHubWorker({ backend, executor, clock, ...options });
  return { clock, backend, worker };
}

describe('TaskHubWorker', () => {
  test('runs an orchestration and its activity to completion, woken only by notifications', async () => {
    const activityRequests: ActivityRequest[] = [];
    const { clock, backend, worker } = setup({
      executeOrchestrator: async (request) => greetOrchestrator(request),
      executeActivity: async (request) => {
        activityRequests.push(request);
        return create(ActivityResponseSchema, { result: `"Hello, ${JSON.parse(request.input ?? '""')}!"` });
      },
    });
    backend.startInstance('greet-1', 'Hello', '"Tokyo"');
    await worker.start();
    await eventually(
      () => completionOf(backend.historyOf('greet-1')) !== undefined,
      'the orchestration to complete',
    );

    const completion = completionOf(backend.historyOf('greet-1'));
    assert.equal(completion?.orchestrationStatus, OrchestrationStatus.COMPLETED);
    assert.equal(completion?.result, '"Hello, Tokyo!"');
    assert.equal(activityRequests.length, 1);
    assert.equal(activityRequests[0]?.name, 'Greet');
    assert.equal(activityRequests[0]?.orchestrationInstance?.instanceId, 'greet-1');

    await worker.stop();
    await worker.done;
    assert.equal(backend.listenerCount, 0, 'unsubscribed');
    assert.equal(clock.pendingCount, 0, 'every timer cancelled');
    assert.equal(backend.heldLeases, 0);
  });

  test('stop aborts in-flight work, abandons it back to the store and resolves with nothing hanging', async () => {
    let activitiesStarted = 0;
    const { clock, backend, worker } = setup({
      executeOrchestrator: async (request) => greetOrchestrator(request),
      executeActivity: (_request, signal) => {
        activitiesStarted++;
        return waitUntilAborted(signal);
      },
    });
    backend.startInstance('a', 'Hello', '"A"');
    backend.startInstance('b', 'Hello', '"B"');
    await worker.start();
    await eventually(() => activitiesStarted === 2, 'both activities to start');

    await worker.stop();
    await worker.done;
    const activityAbandons = backend.abandoned.filter((a) => a.kind === 'activity');
    assert.deepEqual(activityAbandons.map((a) => [a.instanceId, a.delayMs]).sort(), [
      ['a', 0],
      ['b', 0],
    ]);
    assert.equal(backend.heldLeases, 0, 'no lease left behind');
    assert.ok(backend.pendingTasks.every((t) => !t.leased && t.attempt === 1));
    assert.equal(backend.listenerCount, 0);
    assert.equal(clock.pendingCount, 0);
  });

  test('an in-flight orchestration turn is aborted and its events put back in the inbox', async () => {
    let turnsStarted = 0;
    const { backend, worker } = setup({
      executeOrchestrator: (_request, signal) => {
        turnsStarted++;
        return waitUntilAborted(signal);
      },
      executeActivity: () => Promise.reject(new Error('not expected')),
    });
    backend.startInstance('slow', 'Hello');
    await worker.start();
    await eventually(() => turnsStarted === 1, 'the turn to start');
    await worker.stop();
    assert.deepEqual(backend.abandoned, [{ kind: 'orchestration', instanceId: 'slow', delayMs: 0 }]);
    assert.equal(backend.inboxOf('slow').length, 1, 'the ExecutionStarted waits for the next worker');
    assert.equal(backend.heldLeases, 0);
  });

  test('stop is idempotent; start(signal) stops on abort; a stopped worker cannot restart', async () => {
    const { backend, worker } = setup({
      executeOrchestrator: async (request) => greetOrchestrator(request),
      executeActivity: async () => create(ActivityResponseSchema, {}),
    });
    const controller = new AbortController();
    await worker.start(controller.signal);
    assert.equal(backend.listenerCount, 1);
    controller.abort();
    const [first, second] = [worker.stop(), worker.stop()];
    assert.equal(first, second);
    await first;
    await worker.done;
    assert.equal(backend.listenerCount, 0);
    await assert.rejects(worker.start(), (err) => isDurableTaskError(err, 'INVALID_ARGUMENT'));
  });

  test('stop() detaches from the signal given to start', async () => {
    const { worker } = setup({
      executeOrchestrator: async (request) => greetOrchestrator(request),
      executeActivity: async () => create(ActivityResponseSchema, {}),
    });
    const controller = new AbortController();
    await worker.start(controller.signal);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    await worker.stop();
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  test('stop before start resolves at once', async () => {
    const { worker } = setup({
      executeOrchestrator: () => Promise.reject(new Error('not expected')),
      executeActivity: () => Promise.reject(new Error('not expected')),
    });
    await worker.stop();
    await worker.done;
  });

  test('options are validated', () => {
    const backend = new FakeWorkBackend(() => 0);
    const executor: Executor = {
      executeOrchestrator: () => Promise.reject(new Error('x')),
      executeActivity: () => Promise.reject(new Error('x')),
    };
    assert.throws(
      () => new TaskHubWorker({ backend, executor, maxConcurrentActivities: 0 }),
      (err) => isDurableTaskError(err, 'INVALID_ARGUMENT'),
    );
    assert.throws(() => new TaskHubWorker({ backend, executor, lockDurationMs: 1.5 }), /positive integer/);
  });
});
