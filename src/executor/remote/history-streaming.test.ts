import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { createReply } from '../../loop/index.js';
import {
  GetWorkItemsRequestSchema,
  OrchestratorRequestSchema,
  WorkerCapability,
  type OrchestratorResponse,
  type WorkItem,
} from '../../proto/orchestrator_service_pb.js';
import { eventRaisedEvent, executionStartedEvent } from '../../runtime/history-events.js';
import { ExecutorHandler } from './handler.js';
import { streamOptionsFromRequest, type StreamOptions } from './routing.js';

const THRESHOLD = 1000;

function setup() {
  let tokens = 0;
  const handler = new ExecutorHandler({
    newToken: () => `t${++tokens}`,
    historyStreamingThresholdBytes: THRESHOLD,
  });
  return {
    handler,
    connect(options: StreamOptions): WorkItem[] {
      const sent: WorkItem[] = [];
      handler.handle({
        kind: 'ConnectStream',
        streamId: `s${tokens}-${Math.random()}`,
        options,
        outbox: { send: (item) => void sent.push(item), close: () => undefined },
      });
      return sent;
    },
    orchestrate(instanceId: string, pastBytes: number) {
      const { reply } = createReply<OrchestratorResponse>();
      const request = create(OrchestratorRequestSchema, {
        instanceId,
        executionId: 'e1',
        pastEvents: [
          executionStartedEvent({ instanceId, executionId: 'e1', name: 'Orch' }, 1000),
          eventRaisedEvent('big', JSON.stringify('x'.repeat(pastBytes)), 1000),
        ],
        newEvents: [eventRaisedEvent('new', '"n"', 2000)],
      });
      handler.handle({ kind: 'ExecuteOrchestrator', itemId: Math.random(), request, reply });
      return request;
    },
  };
}

const streaming = streamOptionsFromRequest(
  create(GetWorkItemsRequestSchema, { capabilities: [WorkerCapability.HISTORY_STREAMING] }),
);
const plain = streamOptionsFromRequest(create(GetWorkItemsRequestSchema, {}));

function orchestratorRequestOf(item: WorkItem | undefined) {
  assert.equal(item?.request.case, 'orchestratorRequest');
  return item.request.value;
}

describe('ExecutorHandler: history streaming', () => {
  test('past events above the threshold go without, flagged, to a worker that declared streaming', () => {
    const h = setup();
    assert.equal(streaming.historyStreaming, true);
    const sent = h.connect(streaming);
    const request = h.orchestrate('big', 2 * THRESHOLD);
    const item = orchestratorRequestOf(sent[0]);
    assert.equal(item.requiresHistoryStreaming, true);
    assert.deepEqual(item.pastEvents, []);
    assert.equal(item.newEvents.length, 1, 'new events stay inline');
    assert.equal(request.pastEvents.length, 2, "the caller's request is unchanged");
    assert.equal(h.handler.pastEventsOfOutstandingTurn('big', 'e1'), request.pastEvents);
    assert.equal(h.handler.pastEventsOfOutstandingTurn('big', undefined), request.pastEvents);
    assert.equal(h.handler.pastEventsOfOutstandingTurn('big', 'other'), undefined);
    assert.equal(h.handler.pastEventsOfOutstandingTurn('unknown', undefined), undefined);
  });

  test('small histories, and workers that did not declare streaming, get past events inline', () => {
    const h = setup();
    const capable = h.connect(streaming);
    h.orchestrate('small', THRESHOLD / 10);
    assert.equal(orchestratorRequestOf(capable[0]).requiresHistoryStreaming, false);
    assert.equal(orchestratorRequestOf(capable[0]).pastEvents.length, 2);

    const h2 = setup();
    assert.equal(plain.historyStreaming, false);
    const other = h2.connect(plain);
    h2.orchestrate('big', 2 * THRESHOLD);
    assert.equal(orchestratorRequestOf(other[0]).requiresHistoryStreaming, false);
    assert.equal(orchestratorRequestOf(other[0]).pastEvents.length, 2);
  });
});
