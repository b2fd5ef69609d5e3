// The dispatcher's answer to abandoned work (offer it to another stream, hand it back once every
// eligible stream has abandoned it) and its warning for work no stream's filters accept.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { createReply } from '../../loop/index.js';
import {
  ActivityRequestSchema,
  OrchestratorRequestSchema,
  type ActivityResponse,
  type OrchestratorResponse,
  type WorkItem,
} from '../../proto/orchestrator_service_pb.js';
import { executionStartedEvent } from '../../runtime/history-events.js';
import type { LogSink } from '../../logging/logger.js';
import { WorkItemAbandonedError } from './errors.js';
import { ExecutorHandler } from './handler.js';
import { ACCEPT_EVERYTHING, type StreamOptions } from './routing.js';

interface Warning {
  readonly fields: Record<string, unknown>;
  readonly msg: string;
}

class Outbox {
  readonly sent: WorkItem[] = [];
  closed = false;
  send(item: WorkItem): void {
    this.sent.push(item);
  }
  close(): void {
    this.closed = true;
  }
  get last(): WorkItem | undefined {
    return this.sent.at(-1);
  }
}

function setup() {
  const warnings: Warning[] = [];
  const logger: LogSink = {
    debug: () => undefined,
    info: () => undefined,
    warn: (fields: object, msg?: string) => void warnings.push({ fields: { ...fields }, msg: msg ?? '' }),
    error: () => undefined,
  };
  let tokens = 0;
  let items = 0;
  const handler = new ExecutorHandler({ newToken: () => `t${++tokens}`, logger });
  return {
    handler,
    warnings,
    connect(streamId: string, options: StreamOptions = ACCEPT_EVERYTHING): Outbox {
      const outbox = new Outbox();
      handler.handle({ kind: 'ConnectStream', streamId, options, outbox });
      return outbox;
    },
    disconnect(streamId: string): void {
      handler.handle({ kind: 'DisconnectStream', streamId });
    },
    orchestrate(instanceId: string, name = 'Orch') {
      const { reply, promise } = createReply<OrchestratorResponse>();
      const request = create(OrchestratorRequestSchema, {
        instanceId,
        newEvents: [executionStartedEvent({ instanceId, executionId: 'e1', name }, 1000)],
      });
      handler.handle({ kind: 'ExecuteOrchestrator', itemId: ++items, request, reply });
      return { reply, promise };
    },
    activity(instanceId: string, taskId: number, name: string, version?: string) {
      const { reply, promise } = createReply<ActivityResponse>();
      const request = create(ActivityRequestSchema, {
        name,
        taskId,
        ...(version !== undefined && { version }),
        orchestrationInstance: { instanceId },
      });
      handler.handle({ kind: 'ExecuteActivity', itemId: ++items, request, reply });
      return { reply, promise };
    },
    async abandon(itemKind: 'orchestrator' | 'activity', item: WorkItem | undefined): Promise<void> {
      assert.ok(item, 'an item was sent');
      const { reply, promise } = createReply<void>();
      handler.handle({ kind: 'Abandon', itemKind, completionToken: item.completionToken, reply });
      return promise;
    },
  };
}

const only = (names: string[]): StreamOptions => ({
  ...ACCEPT_EVERYTHING,
  orchestrations: new Map(names.map((name) => [name, []])),
  activities: new Map(names.map((name) => [name, []])),
});

describe('ExecutorHandler: abandoned work', () => {
  test('an abandoned item goes to another stream, then back to the caller once all have abandoned it', async () => {
    const h = setup();
    const first = h.connect('s1');
    const second = h.connect('s2');
    const turn = h.orchestrate('i1');
    assert.equal(first.sent.length, 1, 'the first-connected stream is the first choice');
    await h.abandon('orchestrator', first.last);
    assert.equal(second.sent.length, 1, 'offered to the other stream');
    assert.notEqual(second.last?.completionToken, first.last?.completionToken, 'with a fresh token');
    assert.equal(turn.reply.settled, false);
    await h.abandon('orchestrator', second.last);
    await assert.rejects(turn.promise, WorkItemAbandonedError);
    assert.equal(first.sent.length, 1, 'never re-sent to a stream that abandoned it');
    assert.deepEqual(h.handler.stats(), { streams: 2, outstanding: 0, waiting: 0 });

    // The next execute call starts afresh: the store retried it after its delay.
    h.orchestrate('i1');
    assert.equal(first.sent.length, 2);
  });

  test('streams whose filters refuse the item do not count; a full stream is waited for', async () => {
    const h = setup();
    const wide = h.connect('wide');
    h.connect('other', only(['Else']));
    const full = h.connect('full', { ...ACCEPT_EVERYTHING, maxOrchestrations: 1 });
    h.orchestrate('busy');
    assert.equal(full.sent.length, 0, 'the least loaded stream took the first turn');
    h.orchestrate('filler');
    assert.equal(full.sent.length, 1);
    const turn = h.orchestrate('i1');
    const abandoned = wide.sent.find(
      (item) => item.request.case === 'orchestratorRequest' && item.request.value.instanceId === 'i1',
    );
    await h.abandon('orchestrator', abandoned);
    assert.equal(turn.reply.settled, false, 'the full stream can still take it: it waits');
    assert.equal(h.handler.stats().waiting, 1);

    // The stream it waits for ends: only the one that abandoned it is left, so it goes back.
    h.disconnect('full');
    await assert.rejects(turn.promise, WorkItemAbandonedError);
    assert.equal(h.handler.stats().waiting, 0);
  });

  test("an item no connected stream's filters accept is named in one warning", () => {
    const h = setup();
    h.activity('i1', 1, 'Unregistered');
    assert.equal(h.warnings.length, 0, 'no stream connected: waiting for a worker is normal');
    h.connect('s1', only(['Known']));
    h.connect('s2', only(['Known']));
    h.activity('i1', 2, 'Unregistered', '2.0');
    assert.equal(h.warnings.length, 2, 'one per item');
    const [first, second] = h.warnings;
    assert.equal(first?.fields['instanceId'], 'i1');
    assert.match(first?.msg ?? '', /activity 'Unregistered'/);
    assert.match(second?.msg ?? '', /activity 'Unregistered' version '2\.0'/);
    h.disconnect('s1'); // routing is tried again: no second warning
    h.connect('s3', only(['Known']));
    assert.equal(h.warnings.length, 2);
  });
});
