import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { LockLostError } from '../api/errors.js';
import type { InstanceState } from '../api/instance.js';
import { OrchestrationStatus } from '../api/status.js';
import type { Backend, OrchestrationWorkItem } from '../backend/backend.js';
import type { Executor } from '../executor/executor.js';
import {
  OrchestratorResponseSchema,
  type HistoryEvent,
  type OrchestratorRequest,
  type OrchestratorResponse,
} from '../proto/orchestrator_service_pb.js';
import {
  eventRaisedEvent,
  executionCompletedEvent,
  executionStartedEvent,
  orchestratorStartedEvent,
} from '../runtime/history-events.js';
import type { TurnResult } from '../runtime/turn.js';
import { createOrchestrationTurnRunner } from './orchestration-turn.js';
import { FakeClock } from './testing/fake-clock.js';

const START = executionStartedEvent({ instanceId: 'order-1', executionId: 'exec-1', name: 'Process' }, 1_000);

function workItem(newEvents: HistoryEvent[]): OrchestrationWorkItem {
  return { instanceId: 'order-1', newEvents, inboxIds: ['1'], lockToken: 't', lockedUntil: 0, attempt: 0 };
}

interface StoreOptions {
  readonly history?: HistoryEvent[];
  readonly customStatus?: string;
  readonly commitError?: Error;
}

function fakeStore(options: StoreOptions = {}) {
  const commits: TurnResult[] = [];
  let instanceReads = 0;
  const backend = {
    getHistory: async () => [...(options.history ?? [])],
    getInstance: async () => {
      instanceReads++;
      return { customStatus: options.customStatus } as unknown as InstanceState;
    },
    commitOrchestrationTurn: async (_item: OrchestrationWorkItem, result: TurnResult) => {
      if (options.commitError) throw options.commitError;
      commits.push(result);
    },
  } as unknown as Backend;
  return { backend, commits, instanceReads: () => instanceReads };
}

function completing(
  onRequest: (request: OrchestratorRequest, signal?: AbortSignal) => void = () => undefined,
): Executor {
  return {
    executeOrchestrator: async (request, signal): Promise<OrchestratorResponse> => {
      onRequest(request, signal);
      return create(OrchestratorResponseSchema, {
        instanceId: request.instanceId,
        actions: [
          {
            id: 0,
            orchestratorActionType: {
              case: 'completeOrchestration',
              value: { orchestrationStatus: OrchestrationStatus.COMPLETED, result: '"done"' },
            },
          },
        ],
      });
    },
    executeActivity: () => Promise.reject(new Error('not expected')),
  };
}

describe('orchestration turn', () => {
  test('runs user code for a new instance and commits the applied response', async () => {
    const store = fakeStore();
    const clock = new FakeClock(50_000);
    let seen: { request: OrchestratorRequest; signal: AbortSignal | undefined } | undefined;
    const run = createOrchestrationTurnRunner({
      backend: store.backend,
      clock,
      executor: completing((request, signal) => (seen = { request, signal })),
    });
    const controller = new AbortController();
    await run(workItem([START]), controller.signal);

    assert.equal(seen?.request.instanceId, 'order-1');
    assert.equal(seen?.signal, controller.signal);
    assert.ok(seen.request.newEvents.some((e) => e.eventType.case === 'executionStarted'));
    assert.equal(store.commits.length, 1);
    const result = store.commits[0]!;
    assert.equal(result.summary.status, OrchestrationStatus.COMPLETED);
    assert.equal(result.summary.output, '"done"');
    assert.ok(result.historyEvents.some((e) => e.eventType.case === 'executionCompleted'));
    assert.equal(store.instanceReads(), 0, 'a turn that runs user code does not read the instance');
  });

  test('a turn with nothing for user code commits without the executor and keeps the custom status', async () => {
    const history = [
      START,
      orchestratorStartedEvent(1_000),
      executionCompletedEvent(0, OrchestrationStatus.COMPLETED, '"done"', undefined, 1_000),
    ];
    const store = fakeStore({ history, customStatus: '"phase 3"' });
    let executorCalls = 0;
    const run = createOrchestrationTurnRunner({
      backend: store.backend,
      clock: new FakeClock(),
      executor: completing(() => executorCalls++),
    });
    await run(workItem([eventRaisedEvent('late', undefined, 2_000)]), new AbortController().signal);
    assert.equal(executorCalls, 0);
    assert.equal(store.commits.length, 1);
    assert.deepEqual(store.commits[0]?.historyEvents, [], 'a completed instance is frozen');
    assert.equal(store.commits[0]?.summary.customStatus, '"phase 3"');
  });

  test('a commit refused for a lost lease rejects with LockLostError', async () => {
    const store = fakeStore({ commitError: new LockLostError('order-1') });
    const run = createOrchestrationTurnRunner({
      backend: store.backend,
      clock: new FakeClock(),
      executor: completing(),
    });
    await assert.rejects(run(workItem([START]), new AbortController().signal), LockLostError);
  });

  test('an aborted turn commits nothing', async () => {
    const store = fakeStore();
    let executorCalls = 0;
    const run = createOrchestrationTurnRunner({
      backend: store.backend,
      clock: new FakeClock(),
      executor: completing(() => executorCalls++),
    });
    await assert.rejects(run(workItem([START]), AbortSignal.abort()));
    assert.equal(executorCalls, 0);
    assert.equal(store.commits.length, 0);
  });
});
