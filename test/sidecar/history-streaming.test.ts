// History streaming through the sidecar, on SQLite and PostgreSQL: a worker that declares
// WORKER_CAPABILITY_HISTORY_STREAMING (as the .NET SDK does; @microsoft/durabletask-js 0.4.0 does
// not, so a raw-protocol worker plays it) gets a large history's turn without its past events and
// reads them by StreamInstanceHistory in chunks, so a history larger than the sidecar's gRPC
// message limit still runs. The real SDK client reads that history back, and a real SDK worker,
// which declares nothing, still gets its histories inline.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import type * as grpc from '@grpc/grpc-js';
import {
  NoOpLogger,
  OrchestrationStatus,
  TaskHubGrpcClient,
  TaskHubGrpcWorker,
  type OrchestrationContext,
} from '@microsoft/durabletask-js';
import {
  GetWorkItemsRequestSchema,
  OrchestrationStatus as ProtoStatus,
  OrchestratorResponseSchema,
  StreamInstanceHistoryRequestSchema,
  WorkerCapability,
  type HistoryChunk,
  type HistoryEvent,
  type OrchestratorRequest,
  type WorkItem,
} from '../../src/proto/orchestrator_service_pb.js';
import { RawSidecarClient } from '../../src/sidecar/testing/raw-client.js';
import { backendKinds, startSidecarOn } from './both-backends.js';
import { waitUntil, type TestSidecar } from './harness.js';

/** The sidecar's message limit in these tests: small, so a few events outgrow it. */
const MAX_MESSAGE_BYTES = 2 * 1024 * 1024;
const EVENT_BYTES = 400 * 1024;
/** 8 × 400 KiB: the history outgrows one 2 MiB message. */
const EVENTS = 8;

interface Turn {
  readonly streamed: boolean;
  readonly inlinePast: number;
  readonly fetchedPast: number;
}

/**
 * A raw-protocol worker that declares history streaming: each turn counts the raised events in its
 * history (fetching the past ones when the turn says so) and completes once it has seen `EVENTS`.
 */
class StreamingWorker {
  readonly client: RawSidecarClient;
  readonly turns: Turn[] = [];
  #stream: grpc.ClientReadableStream<WorkItem> | undefined;

  constructor(address: string) {
    this.client = new RawSidecarClient(address);
  }

  async start(): Promise<void> {
    await this.client.unary('hello', create(EmptySchema));
    const stream = this.client.stream(
      'getWorkItems',
      create(GetWorkItemsRequestSchema, { capabilities: [WorkerCapability.HISTORY_STREAMING] }),
    );
    this.#stream = stream;
    stream.on('data', (item: WorkItem) => {
      if (item.request.case === 'orchestratorRequest')
        void this.#turn(item.request.value, item.completionToken);
    });
    stream.on('error', () => undefined); // CANCELLED when closed
  }

  async #turn(request: OrchestratorRequest, completionToken: string): Promise<void> {
    const past = request.requiresHistoryStreaming ? await this.#fetch(request) : request.pastEvents;
    this.turns.push({
      streamed: request.requiresHistoryStreaming,
      inlinePast: request.pastEvents.length,
      fetchedPast: request.requiresHistoryStreaming ? past.length : 0,
    });
    const events = [...past, ...request.newEvents];
    const raised = events.filter((event) => event.eventType.case === 'eventRaised');
    const bytes = raised.reduce(
      (sum, event) =>
        sum + (event.eventType.case === 'eventRaised' ? (event.eventType.value.input?.length ?? 0) : 0),
      0,
    );
    const actions =
      raised.length < EVENTS
        ? []
        : [
            {
              id: 0,
              orchestratorActionType: {
                case: 'completeOrchestration' as const,
                value: {
                  orchestrationStatus: ProtoStatus.COMPLETED,
                  result: JSON.stringify({ events: raised.length, bytes, historyEvents: events.length }),
                },
              },
            },
          ];
    await this.client
      .unary(
        'completeOrchestratorTask',
        create(OrchestratorResponseSchema, { instanceId: request.instanceId, completionToken, actions }),
      )
      .catch(() => undefined); // the sidecar may be stopping
  }

  /** StreamInstanceHistory for the work item, every chunk collected. */
  #fetch(request: OrchestratorRequest): Promise<HistoryEvent[]> {
    const call = this.client.stream(
      'streamInstanceHistory',
      create(StreamInstanceHistoryRequestSchema, {
        instanceId: request.instanceId,
        ...(request.executionId !== undefined && { executionId: request.executionId }),
        forWorkItemProcessing: true,
      }),
    );
    const events: HistoryEvent[] = [];
    return new Promise((resolve, reject) => {
      call.on('data', (chunk: HistoryChunk) => events.push(...chunk.events));
      call.on('end', () => resolve(events));
      call.on('error', reject);
    });
  }

  close(): void {
    this.#stream?.cancel();
    this.client.close();
  }
}

const kinds = await backendKinds();

for (const kind of kinds) {
  describe(`history streaming through the sidecar (${kind})`, { timeout: 180_000 }, () => {
    let env: TestSidecar;
    let client: TaskHubGrpcClient;
    const run = randomUUID().slice(0, 8);

    before(async () => {
      env = await startSidecarOn(kind, { maxMessageBytes: MAX_MESSAGE_BYTES });
      client = new TaskHubGrpcClient({ hostAddress: env.address, logger: new NoOpLogger() });
    });

    after(async () => {
      await client?.stop();
      await env?.close();
    });

    const payload = (n: number): string => `${n}`.padEnd(EVENT_BYTES, '.');

    test('a history larger than the message limit is streamed to a worker that asks for it', async () => {
      const worker = new StreamingWorker(env.address);
      await worker.start();
      try {
        await waitUntil(() => env.sidecar.executor.stats().streams === 1, 'the worker stream');
        const instanceId = await client.scheduleNewOrchestration('bigHistory', undefined, {
          instanceId: `big-${run}`,
        });
        await waitUntil(() => worker.turns.length >= 1, 'the first turn', 30_000);
        for (let n = 0; n < EVENTS; n++) {
          await client.raiseOrchestrationEvent(instanceId, 'part', payload(n));
          // One turn per event: the history grows turn by turn.
          await waitUntil(() => worker.turns.length >= n + 2, `turn ${n + 2}`, 30_000);
        }
        const state = await client.waitForOrchestrationCompletion(instanceId, true, 30);
        assert.equal(state?.runtimeStatus, OrchestrationStatus.COMPLETED);
        const result = JSON.parse(state?.serializedOutput ?? '{}') as { events: number; bytes: number };
        assert.equal(result.events, EVENTS);
        assert.equal(
          result.bytes,
          EVENTS * (EVENT_BYTES + 2),
          'every payload arrived whole (JSON quotes included)',
        );

        const streamed = worker.turns.filter((turn) => turn.streamed);
        const inline = worker.turns.filter((turn) => !turn.streamed);
        assert.ok(inline.length >= 1, 'small histories stay inline');
        assert.ok(streamed.length >= 4, `turns streamed: ${JSON.stringify(worker.turns)}`);
        for (const turn of streamed) {
          assert.equal(turn.inlinePast, 0, 'a streamed turn carries no past events');
          assert.ok(turn.fetchedPast > 0);
        }
        const last = worker.turns.at(-1);
        assert.equal(last?.streamed, true, 'the largest history went by StreamInstanceHistory');

        // The real SDK client reads the whole history, though it exceeds one message.
        const history = await client.getOrchestrationHistory(instanceId);
        assert.ok(history.length > EVENTS);
      } finally {
        worker.close();
      }
    });

    test('a real SDK worker, which declares no streaming, gets large histories inline', async () => {
      const worker = new TaskHubGrpcWorker({
        hostAddress: env.address,
        logger: new NoOpLogger(),
        shutdownTimeoutMs: 2_000,
      });
      worker.addNamedOrchestrator('collect', async function* (ctx: OrchestrationContext): AsyncGenerator<
        unknown,
        number,
        string
      > {
        let total = 0;
        for (let n = 0; n < 3; n++) total += (yield ctx.waitForExternalEvent('part')).length;
        return total;
      });
      await worker.start();
      try {
        await waitUntil(() => env.sidecar.executor.stats().streams === 1, 'the worker stream');
        const instanceId = await client.scheduleNewOrchestration('collect', undefined, {
          instanceId: `inline-${run}`,
        });
        for (let n = 0; n < 3; n++) await client.raiseOrchestrationEvent(instanceId, 'part', payload(n));
        const state = await client.waitForOrchestrationCompletion(instanceId, true, 30);
        assert.equal(state?.runtimeStatus, OrchestrationStatus.COMPLETED);
        assert.equal(state?.serializedOutput, JSON.stringify(3 * EVENT_BYTES));
      } finally {
        await worker.stop();
      }
    });
  });
}
