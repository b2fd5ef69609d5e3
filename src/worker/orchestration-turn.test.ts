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
import { HistoryCache } from './history-cache.js';
import { createOrchestrationTurnRunner } from './orchestration-turn.js';
import { FakeClock } from '../loop/testing/fake-clock.js';

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

describe('orchestration turn: history cache', () => {
  /** A store that counts history reads; its commits can be made to fail. */
  function countingStore() {
    let reads = 0;
    let failCommits = false;
    const backend = {
      getHistory: async () => {
        reads++;
        return [START, orchestratorStartedEvent(1_000)];
      },
      getInstance: async () => undefined,
      commitOrchestrationTurn: async () => {
        if (failCommits) throw new LockLostError('order-1');
      },
    } as unknown as Backend;
    return { backend, reads: () => reads, failCommits: () => (failCommits = true) };
  }

  /** Answers every turn with no action, recording the past events it was given. */
  function recordingExecutor(pastEventCounts: number[]): Executor {
    return {
      executeOrchestrator: async (request) => {
        pastEventCounts.push(request.pastEvents.length);
        return create(OrchestratorResponseSchema, { instanceId: request.instanceId, actions: [] });
      },
      executeActivity: () => Promise.reject(new Error('not expected')),
    };
  }

  const versioned = (historyVersion: string | undefined, nextHistoryVersion: string) => ({
    ...workItem([eventRaisedEvent('ping', undefined, 2_000)]),
    ...(historyVersion !== undefined && { historyVersion }),
    nextHistoryVersion,
  });

  test('the next turn starts from the history kept after the commit, without reading it', async () => {
    const store = countingStore();
    const past: number[] = [];
    const cache = new HistoryCache({ maxInstances: 10, maxEvents: 1_000 });
    const run = createOrchestrationTurnRunner({
      backend: store.backend,
      clock: new FakeClock(5_000),
      executor: recordingExecutor(past),
      historyCache: cache,
    });
    const signal = new AbortController().signal;
    await run(versioned(undefined, 'v1'), signal);
    assert.equal(store.reads(), 1);
    // 2 stored + OrchestratorStarted and EventRaised of the first turn.
    await run(versioned('v1', 'v2'), signal);
    assert.equal(store.reads(), 1, 'the history was not read again');
    assert.deepEqual(past, [2, 4]);

    await run(versioned('written-elsewhere', 'v3'), signal);
    assert.equal(store.reads(), 2, 'another version: read from the store');
    assert.deepEqual(past, [2, 4, 2]);
  });

  test('a failed commit forgets the instance', async () => {
    const store = countingStore();
    const cache = new HistoryCache({ maxInstances: 10, maxEvents: 1_000 });
    const run = createOrchestrationTurnRunner({
      backend: store.backend,
      clock: new FakeClock(5_000),
      executor: recordingExecutor([]),
      historyCache: cache,
    });
    const signal = new AbortController().signal;
    await run(versioned(undefined, 'v1'), signal);
    assert.equal(cache.size, 1);
    store.failCommits();
    await assert.rejects(run(versioned('v1', 'v2'), signal), LockLostError);
    assert.equal(cache.size, 0);
  });
});
