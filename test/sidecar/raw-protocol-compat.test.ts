// Protocol features the @microsoft/durabletask-js client and worker do not use, on the raw
// protocol and every store: partial turns (numEventsProcessed) and purges bounded in time.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { durationFromMs, EmptySchema, timestampFromMs } from '@bufbuild/protobuf/wkt';
import type * as grpc from '@grpc/grpc-js';
import {
  CreateInstanceRequestSchema,
  GetInstanceRequestSchema,
  GetWorkItemsRequestSchema,
  OrchestrationStatus,
  OrchestratorResponseSchema,
  PurgeInstancesRequestSchema,
  RaiseEventRequestSchema,
  StreamInstanceHistoryRequestSchema,
  type HistoryEvent,
  type OrchestratorAction,
  type OrchestratorRequest,
  type WorkItem,
} from '../../src/proto/orchestrator_service_pb.js';
import type { Sidecar } from '../../src/sidecar/sidecar.js';
import { RawSidecarClient } from '../../src/sidecar/testing/raw-client.js';
import type { StoreFactory } from '../scenarios/harness.js';
import { postgresStore } from '../scenarios/postgres-store.js';
import { sqliteStore } from '../scenarios/sqlite-store.js';
import { waitUntil } from './harness.js';
import { startStoreSidecar } from './store-sidecar.js';

/** An event as `kind` or `kind(name)` for an EventRaised. */
function shapeOf(event: HistoryEvent): string {
  return event.eventType.case === 'eventRaised'
    ? `eventRaised(${event.eventType.value.name})`
    : `${event.eventType.case}`;
}

/**
 * A raw worker. Orchestration 'partial' processes its new events only up to the first
 * EventRaised (numEventsProcessed), and completes once that event is 'e3'; any other
 * orchestration completes at once with its input as output.
 */
class PartialWorker {
  readonly requests: OrchestratorRequest[] = [];
  readonly #client: RawSidecarClient;
  #stream: grpc.ClientReadableStream<WorkItem> | undefined;

  constructor(client: RawSidecarClient) {
    this.#client = client;
  }

  async start(): Promise<void> {
    await this.#client.unary('hello', create(EmptySchema));
    this.#stream = this.#client.stream('getWorkItems', create(GetWorkItemsRequestSchema, {}));
    this.#stream.on('data', (item: WorkItem) => {
      if (item.request.case === 'orchestratorRequest')
        void this.#answer(item.request.value, item.completionToken);
    });
    this.#stream.on('error', () => undefined);
  }

  async #answer(request: OrchestratorRequest, completionToken: string): Promise<void> {
    this.requests.push(request);
    const started = [...request.pastEvents, ...request.newEvents].find(
      (e) => e.eventType.case === 'executionStarted',
    );
    const start = started?.eventType.case === 'executionStarted' ? started.eventType.value : undefined;
    const complete = (result: string | undefined): OrchestratorAction[] => [
      create(OrchestratorResponseSchema, {
        actions: [
          {
            id: 1,
            orchestratorActionType: {
              case: 'completeOrchestration',
              value: {
                orchestrationStatus: OrchestrationStatus.COMPLETED,
                ...(result !== undefined && { result }),
              },
            },
          },
        ],
      }).actions[0]!,
    ];
    let actions: OrchestratorAction[] = complete(start?.input);
    let numEventsProcessed: number | undefined;
    if (start?.name === 'partial') {
      const first = request.newEvents.findIndex((e) => e.eventType.case === 'eventRaised');
      const event = request.newEvents[first];
      const last = event?.eventType.case === 'eventRaised' && event.eventType.value.name === 'e3';
      actions = last ? complete('"done"') : [];
      if (first >= 0 && !last) numEventsProcessed = first + 1;
    }
    await this.#client
      .unary(
        'completeOrchestratorTask',
        create(OrchestratorResponseSchema, {
          instanceId: request.instanceId,
          completionToken,
          actions,
          ...(numEventsProcessed !== undefined && { numEventsProcessed }),
        }),
      )
      .catch(() => undefined);
  }

  close(): void {
    this.#stream?.cancel();
  }
}

function rawSuite(factory: StoreFactory): void {
  describe(`raw protocol features [${factory.name}]`, () => {
    let sidecar: Sidecar;
    let raw: RawSidecarClient;
    let worker: PartialWorker;
    let dispose: () => Promise<void> = async () => undefined;

    before(async () => {
      const started = await startStoreSidecar(factory);
      sidecar = started.sidecar;
      dispose = started.dispose;
      raw = new RawSidecarClient(started.address);
      worker = new PartialWorker(raw);
      await worker.start();
      await waitUntil(() => sidecar.executor.stats().streams === 1, 'the worker stream');
    });

    after(async () => {
      worker?.close();
      raw?.close();
      await dispose();
    });

    const start = (instanceId: string, name: string, startAt = 0) =>
      raw.unary(
        'startInstance',
        create(CreateInstanceRequestSchema, {
          instanceId,
          name,
          input: '"in"',
          scheduledStartTimestamp: timestampFromMs(startAt),
        }),
      );
    const statusOf = async (instanceId: string) =>
      (await raw.unary('getInstance', create(GetInstanceRequestSchema, { instanceId }))).orchestrationState
        ?.orchestrationStatus;
    const completed = (instanceId: string) =>
      waitUntil(
        async () => (await statusOf(instanceId)) === OrchestrationStatus.COMPLETED,
        `${instanceId} completed`,
      );

    test('numEventsProcessed: only that prefix of the new events is recorded; the rest comes back next turn', async () => {
      const id = `partial-${randomUUID()}`;
      // A start a moment away, so the three events are in the first turn's batch.
      await start(id, 'partial', Date.now() + 1_000);
      for (const name of ['e1', 'e2', 'e3']) {
        await raw.unary('raiseEvent', create(RaiseEventRequestSchema, { instanceId: id, name }));
      }
      await completed(id);
      const batches = worker.requests
        .filter((request) => request.instanceId === id)
        .map((request) => request.newEvents.map(shapeOf));
      assert.deepEqual(batches, [
        ['orchestratorStarted', 'executionStarted', 'eventRaised(e1)', 'eventRaised(e2)', 'eventRaised(e3)'],
        ['orchestratorStarted', 'eventRaised(e2)', 'eventRaised(e3)'],
        ['orchestratorStarted', 'eventRaised(e3)'],
      ]);
      const history: HistoryEvent[] = [];
      const stream = raw.stream(
        'streamInstanceHistory',
        create(StreamInstanceHistoryRequestSchema, { instanceId: id }),
      );
      for await (const chunk of stream) history.push(...(chunk as { events: HistoryEvent[] }).events);
      assert.deepEqual(history.map(shapeOf), [
        'orchestratorStarted',
        'executionStarted',
        'eventRaised(e1)',
        'orchestratorStarted',
        'eventRaised(e2)',
        'orchestratorStarted',
        'eventRaised(e3)',
        'executionCompleted',
      ]);
    });

    test('PurgeInstances with a filter timeout purges what matched and answers isComplete', async () => {
      const from = Date.now() - 1;
      const ids = Array.from({ length: 5 }, (_, n) => `timed-purge-${n}-${randomUUID()}`);
      for (const id of ids) await start(id, 'echo');
      for (const id of ids) await completed(id);
      const response = await raw.unary(
        'purgeInstances',
        create(PurgeInstancesRequestSchema, {
          request: {
            case: 'purgeInstanceFilter',
            value: {
              createdTimeFrom: timestampFromMs(from),
              runtimeStatus: [OrchestrationStatus.COMPLETED],
              timeout: durationFromMs(30_000),
            },
          },
        }),
      );
      assert.ok(response.deletedInstanceCount >= ids.length);
      assert.equal(response.isComplete, true);
      for (const id of ids) assert.equal(await statusOf(id), undefined, `${id} purged`);
    });
  });
}

rawSuite(sqliteStore);
if (postgresStore) rawSuite(postgresStore);
