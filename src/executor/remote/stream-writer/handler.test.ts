import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import {
  ActivityRequestSchema,
  WorkItemSchema,
  type WorkItem,
} from '../../../proto/orchestrator_service_pb.js';
import { FakeClock } from '../../../loop/testing/fake-clock.js';
import { MemorySink } from '../testing/fakes.js';
import type { WriterEvent } from './events.js';
import { WriterHandler } from './handler.js';

function activityItem(taskId: number): WorkItem {
  return create(WorkItemSchema, {
    request: { case: 'activityRequest', value: create(ActivityRequestSchema, { name: 'a', taskId }) },
    completionToken: `t${taskId}`,
  });
}

function setup(pingIntervalMs = 0, deliveryTimeoutMs = 0) {
  const sink = new MemorySink('s1');
  const time = new FakeClock(0);
  const timerEvents: WriterEvent[] = [];
  const failures: Error[] = [];
  const stalls: string[][] = [];
  let resumed = 0;
  const handler = new WriterHandler({
    sink,
    clock: time,
    pingIntervalMs,
    deliveryTimeoutMs,
    enqueue: (event) => {
      timerEvents.push(event);
      return true;
    },
    onFailed: (error) => failures.push(error),
    onStalled: (tokens) => stalls.push([...tokens]),
    onResumed: () => resumed++,
  });
  /** Delivers the timer events the handler enqueued for itself, as its loop would. */
  const deliverTimers = (): void => {
    for (const event of timerEvents.splice(0)) handler.handle(event);
  };
  return { sink, time, handler, failures, deliverTimers, stalls, resumed: () => resumed };
}

const tokens = (items: WorkItem[]): string[] => items.map((item) => item.completionToken);

describe('WriterHandler', () => {
  test('queues while the sink is full and flushes in order on drain', () => {
    const { sink, handler } = setup();
    sink.capacity = 2;
    for (let i = 1; i <= 4; i++) handler.handle({ kind: 'Send', item: activityItem(i) });
    assert.deepEqual(tokens(sink.written), ['t1', 't2']);
    assert.equal(handler.queued, 2);

    sink.capacity = 1; // takes one, then full again
    handler.handle({ kind: 'Drained' });
    assert.deepEqual(tokens(sink.written), ['t1', 't2', 't3']);
    assert.equal(handler.queued, 1);
    handler.handle({ kind: 'Send', item: activityItem(5) });
    assert.equal(sink.written.length, 3, 'nothing is written past a full buffer');

    sink.capacity = Infinity;
    handler.handle({ kind: 'Drained' });
    assert.deepEqual(tokens(sink.written), ['t1', 't2', 't3', 't4', 't5']);
    assert.equal(handler.queued, 0);
  });

  test('a failing write reports once, closes the sink and writes nothing more', () => {
    const { sink, handler, failures } = setup();
    sink.capacity = 1;
    handler.handle({ kind: 'Send', item: activityItem(1) });
    handler.handle({ kind: 'Send', item: activityItem(2) });
    sink.failure = new Error('stream destroyed');
    handler.handle({ kind: 'Drained' });
    assert.equal(failures.length, 1);
    assert.equal(failures[0]?.message, 'stream destroyed');
    assert.equal(sink.closed, true);
    sink.failure = undefined;
    handler.handle({ kind: 'Send', item: activityItem(3) });
    handler.handle({ kind: 'Drained' });
    assert.deepEqual(tokens(sink.written), ['t1']);
    assert.equal(failures.length, 1);
  });

  test('pings an idle stream every interval, and not a busy one', () => {
    const { sink, time, handler, deliverTimers } = setup(1000);
    time.advance(999);
    deliverTimers();
    assert.equal(sink.written.length, 0);
    time.advance(1);
    deliverTimers();
    assert.deepEqual(sink.kinds, ['healthPing']);

    time.advance(600);
    handler.handle({ kind: 'Send', item: activityItem(1) }); // written at 1600
    time.advance(400); // 2000: the ping timer fires but the stream was busy 400 ms ago
    deliverTimers();
    assert.deepEqual(sink.kinds, ['healthPing', 'activityRequest']);
    time.advance(600); // 2600: idle for a full interval
    deliverTimers();
    assert.deepEqual(sink.kinds, ['healthPing', 'activityRequest', 'healthPing']);
    assert.equal(time.pendingCount, 1, 'exactly one ping timer armed');
  });

  test('a blocked stream is not pinged; pings stop when disabled', () => {
    const blocked = setup(1000);
    blocked.sink.capacity = 1;
    blocked.handler.handle({ kind: 'Send', item: activityItem(1) });
    blocked.time.advance(5000);
    blocked.deliverTimers();
    assert.deepEqual(blocked.sink.kinds, ['activityRequest']);

    const disabled = setup(0);
    assert.equal(disabled.time.pendingCount, 0);
  });

  test('close drops the queue, cancels the ping timer and closes the sink', () => {
    const { sink, time, handler } = setup(1000);
    sink.capacity = 1;
    handler.handle({ kind: 'Send', item: activityItem(1) });
    handler.handle({ kind: 'Send', item: activityItem(2) });
    handler.handle({ kind: 'Close' });
    assert.equal(sink.closed, true);
    assert.equal(handler.queued, 0);
    assert.equal(time.pendingCount, 0);
    handler.handle({ kind: 'Drained' });
    assert.deepEqual(tokens(sink.written), ['t1']);
  });

  test('an item that does not leave within the delivery timeout stalls the stream', () => {
    const { sink, time, handler, deliverTimers, stalls, resumed } = setup(0, 1000);
    sink.autoDeliver = false;
    sink.capacity = 2; // t1 written, then full: t2 and t3 queue
    for (let i = 1; i <= 3; i++) handler.handle({ kind: 'Send', item: activityItem(i) });
    assert.deepEqual(tokens(sink.written), ['t1', 't2']);
    time.advance(999);
    deliverTimers();
    assert.deepEqual(stalls, []);
    time.advance(1);
    deliverTimers();
    assert.deepEqual(stalls, [['t1', 't2', 't3']], 'every item not delivered is reported');
    assert.equal(handler.queued, 0, 'items never written are dropped (they go elsewhere)');
    handler.handle({ kind: 'Drained' });
    assert.deepEqual(tokens(sink.written), ['t1', 't2'], 'nothing dropped is written later');

    sink.deliver(1);
    deliverTimers(); // the Delivered event
    assert.equal(resumed(), 1);
    time.advance(1000);
    deliverTimers();
    assert.equal(stalls.length, 2, 't2 still has not left a timeout later: reported again');
    handler.handle({ kind: 'Close' });
    assert.equal(sink.resets, 1, 'a stalled stream is reset, not ended behind its stuck bytes');
  });

  test('a stream that delivers in time never stalls, and closes gracefully', () => {
    const { sink, time, handler, deliverTimers, stalls } = setup(0, 1000);
    sink.autoDeliver = false;
    for (let i = 1; i <= 5; i++) {
      handler.handle({ kind: 'Send', item: activityItem(i) });
      time.advance(600);
      sink.deliver();
      deliverTimers();
    }
    time.advance(5000);
    deliverTimers();
    assert.deepEqual(stalls, []);
    assert.equal(handler.undelivered, 0);
    handler.handle({ kind: 'Close' });
    assert.equal(sink.resets, 0);
    assert.equal(sink.closed, true);
    assert.equal(time.pendingCount, 0);
  });
});
