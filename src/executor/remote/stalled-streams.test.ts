import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { isDurableTaskError } from '../../api/errors.js';
import { createReply } from '../../loop/index.js';
import {
  ActivityRequestSchema,
  type ActivityResponse,
  type WorkItem,
} from '../../proto/orchestrator_service_pb.js';
import { ExecutorHandler } from './handler.js';
import { ACCEPT_EVERYTHING } from './routing.js';
import type { StreamOutbox } from './work-item-sink.js';

/** The executor loop's side of hung workers: DeliveryStalled / DeliveryResumed, and the waiting bound. */

class FakeOutbox implements StreamOutbox {
  readonly sent: WorkItem[] = [];
  closed = false;
  send(item: WorkItem): void {
    this.sent.push(item);
  }
  close(): void {
    this.closed = true;
  }
  get tokens(): string[] {
    return this.sent.map((item) => item.completionToken);
  }
}

function setup(maxWaiting?: number) {
  let tokens = 0;
  const handler = new ExecutorHandler({
    newToken: () => `t${++tokens}`,
    ...(maxWaiting !== undefined && { maxWaiting }),
  });
  const connect = (streamId: string): FakeOutbox => {
    const outbox = new FakeOutbox();
    handler.handle({
      kind: 'ConnectStream',
      streamId,
      peer: `peer-${streamId}`,
      options: ACCEPT_EVERYTHING,
      outbox,
    });
    return outbox;
  };
  let itemId = 0;
  const activity = (taskId: number) => {
    const { reply, promise } = createReply<ActivityResponse>();
    const request = create(ActivityRequestSchema, {
      name: 'a',
      taskId,
      orchestrationInstance: { instanceId: 'i' },
    });
    handler.handle({ kind: 'ExecuteActivity', itemId: ++itemId, request, reply });
    promise.catch(() => undefined);
    return { reply, promise };
  };
  return { handler, connect, activity };
}

describe('executor: stalled streams', () => {
  test("a stalled stream's undelivered items go to another stream with fresh tokens", () => {
    const { handler, connect, activity } = setup();
    const hung = connect('hung');
    activity(1);
    activity(2);
    assert.deepEqual(hung.tokens, ['t1', 't2']);
    const healthy = connect('healthy');
    handler.handle({ kind: 'DeliveryStalled', streamId: 'hung', tokens: ['t1', 't2'] });
    assert.deepEqual(healthy.tokens, ['t3', 't4'], 'both re-dispatched, oldest first');
    assert.equal(hung.closed, false, 'a first stall only takes the work away');
    assert.equal(handler.stalledStreams(), 1);
    activity(3);
    assert.deepEqual(healthy.tokens, ['t3', 't4', 't5'], 'new work avoids the stalled stream');
    assert.equal(hung.sent.length, 2);
  });

  test('a resumed stream gets work again; one that stays stalled is closed, its items re-dispatched', () => {
    const { handler, connect, activity } = setup();
    const flaky = connect('flaky');
    activity(1);
    handler.handle({ kind: 'DeliveryStalled', streamId: 'flaky', tokens: [] }); // t1 was delivered
    handler.handle({ kind: 'DeliveryResumed', streamId: 'flaky' });
    assert.equal(handler.stalledStreams(), 0);
    activity(2);
    assert.deepEqual(flaky.tokens, ['t1', 't2']);
    handler.handle({ kind: 'DeliveryStalled', streamId: 'flaky', tokens: ['t2'] });
    const other = connect('other');
    assert.deepEqual(other.tokens, ['t3'], 'the undelivered one waited and went to the new stream');
    handler.handle({ kind: 'DeliveryStalled', streamId: 'flaky', tokens: [] });
    assert.equal(flaky.closed, true, 'still stalled at the next report: closed');
    assert.deepEqual(other.tokens, ['t3', 't4'], 'the delivered but never completed item too');
    assert.equal(handler.stats().streams, 1);
  });

  test('a token the stream no longer holds is left alone', () => {
    const { handler, connect, activity } = setup();
    const a = connect('a');
    const { promise } = activity(1);
    handler.handle({ kind: 'Cancel', itemId: 1, reason: new Error('stop') });
    handler.handle({ kind: 'DeliveryStalled', streamId: 'a', tokens: ['t1'] });
    assert.equal(handler.stats().waiting, 0);
    assert.equal(a.sent.length, 1);
    return assert.rejects(promise);
  });

  test('beyond maxWaiting, executes without a stream are refused', async () => {
    const { handler, activity } = setup(2);
    activity(1);
    activity(2);
    const third = activity(3);
    await assert.rejects(third.promise, (err) => isDurableTaskError(err, 'TASK_CANCELLED'));
    assert.equal(handler.stats().waiting, 2);
  });
});
