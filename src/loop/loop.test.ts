import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isDurableTaskError } from '../api/errors.js';
import { assertNever } from './assert-never.js';
import { Loop, type LoopHandler } from './loop.js';
import { createReply, type Reply } from './reply.js';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

before(() => {
  process.on('unhandledRejection', onUnhandled);
});
after(() => {
  process.off('unhandledRejection', onUnhandled);
});

/** Lets pending microtasks and one macrotask run, so a missing handler would show. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

class Recorder<E> implements LoopHandler<E> {
  readonly handled: E[] = [];
  readonly dropped: { event: E; reason: Error }[] = [];
  handle(event: E): void {
    this.handled.push(event);
  }
  drop(event: E, reason: Error): void {
    this.dropped.push({ event, reason });
  }
}

describe('Loop', () => {
  test('delivers 10,000 events in FIFO order', async () => {
    const handler = new Recorder<number>();
    const loop = new Loop(handler);
    const running = loop.run();
    for (let i = 0; i < 5000; i++) assert.equal(loop.enqueue(i), true);
    await settle();
    for (let i = 5000; i < 10000; i++) loop.enqueue(i);
    await loop.close();
    await running;
    assert.equal(handler.handled.length, 10000);
    handler.handled.forEach((value, index) => assert.equal(value, index));
  });

  test('events enqueued by a handler are delivered after the current one', async () => {
    const order: string[] = [];
    const loop: Loop<string> = new Loop<string>({
      handle(event) {
        order.push(event);
        if (event === 'a') {
          loop.enqueue('a1');
          loop.enqueue('a2');
        }
      },
    });
    loop.enqueue('a');
    loop.enqueue('b');
    const running = loop.run();
    await loop.close();
    await running;
    assert.deepEqual(order, ['a', 'b', 'a1', 'a2']);
  });

  test('async handlers are serialised: no two overlap', async () => {
    let active = 0;
    let maxActive = 0;
    const order: number[] = [];
    const loop = new Loop<number>({
      async handle(event) {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((resolve) => setImmediate(resolve));
        order.push(event);
        active--;
      },
    });
    const running = loop.run();
    for (let i = 0; i < 20; i++) loop.enqueue(i);
    await loop.close();
    await running;
    assert.equal(maxActive, 1);
    assert.deepEqual(
      order,
      Array.from({ length: 20 }, (_, i) => i),
    );
  });

  test('close is idempotent and later final events are dropped, not lost', async () => {
    const handler = new Recorder<string>();
    const loop = new Loop(handler);
    const running = loop.run();
    const first = loop.close('final');
    const second = loop.close('late');
    assert.equal(first, second);
    await first;
    await running;
    assert.deepEqual(handler.handled, ['final']);
    assert.equal(handler.dropped.length, 1);
    assert.equal(handler.dropped[0]?.event, 'late');
    assert.ok(isDurableTaskError(handler.dropped[0]?.reason, 'SHUTDOWN'));
  });

  test('enqueue after close returns false and the event is not delivered', async () => {
    const handler = new Recorder<number>();
    const loop = new Loop(handler);
    const running = loop.run();
    loop.enqueue(1);
    const closed = loop.close();
    assert.equal(loop.enqueue(2), false);
    await closed;
    await running;
    assert.equal(loop.enqueue(3), false);
    assert.deepEqual(handler.handled, [1]);
  });

  test('close with a final event delivers it last, after the queued ones', async () => {
    const handler = new Recorder<string>();
    const loop = new Loop(handler);
    loop.enqueue('x');
    loop.enqueue('y');
    const closed = loop.close('shutdown');
    const running = loop.run();
    await closed;
    await running;
    assert.deepEqual(handler.handled, ['x', 'y', 'shutdown']);
  });

  test('a handler error rejects run() and drops the remaining events, rejecting their replies', async () => {
    type Ev = { readonly kind: 'boom' } | { readonly kind: 'ask'; readonly reply: Reply<number> };
    const boom = new Error('boom');
    const loop = new Loop<Ev>({
      handle(event) {
        switch (event.kind) {
          case 'boom':
            throw boom;
          case 'ask':
            event.reply.resolve(1);
            return;
          default:
            assertNever(event, 'event');
        }
      },
      drop(event, reason) {
        if (event.kind === 'ask') event.reply.reject(reason);
      },
    });
    const answered = createReply<number>();
    const dropped = createReply<number>();
    const unawaited = createReply<number>();
    loop.enqueue({ kind: 'ask', reply: answered.reply });
    loop.enqueue({ kind: 'boom' });
    loop.enqueue({ kind: 'ask', reply: dropped.reply });
    loop.enqueue({ kind: 'ask', reply: unawaited.reply });
    await assert.rejects(loop.run(), boom);
    assert.equal(await answered.promise, 1);
    await assert.rejects(dropped.promise, boom);
    assert.equal(unawaited.reply.settled, true);
    assert.equal(loop.enqueue({ kind: 'boom' }), false);
    await loop.close(); // resolves although run() rejected
  });

  test('abort stops the loop, resolves run() and drops the remaining events', async () => {
    const controller = new AbortController();
    const handled: number[] = [];
    const dropped: number[] = [];
    let reason: Error | undefined;
    const loop = new Loop<number>(
      {
        async handle(event) {
          handled.push(event);
          if (event === 1) {
            controller.abort();
            await settle();
          }
        },
        drop(event, why) {
          dropped.push(event);
          reason = why;
        },
      },
      { name: 'test loop' },
    );
    for (let i = 0; i < 5; i++) loop.enqueue(i);
    await loop.run(controller.signal);
    assert.deepEqual(handled, [0, 1]);
    assert.deepEqual(dropped, [2, 3, 4]);
    assert.ok(isDurableTaskError(reason, 'SHUTDOWN'));
    assert.match(reason.message, /test loop/);
    assert.equal(loop.enqueue(9), false);
  });

  test('abort wakes a loop idle on an empty queue', async () => {
    const controller = new AbortController();
    const loop = new Loop<number>(new Recorder<number>());
    const running = loop.run(controller.signal);
    await settle();
    controller.abort();
    await running;
    assert.equal(loop.enqueue(1), false);
  });

  test('an already aborted signal handles nothing', async () => {
    const handler = new Recorder<number>();
    const loop = new Loop(handler);
    loop.enqueue(1);
    await loop.run(AbortSignal.abort());
    assert.deepEqual(handler.handled, []);
    assert.deepEqual(
      handler.dropped.map((d) => d.event),
      [1],
    );
  });

  test('close before run starts: the final event is delivered once run runs', async () => {
    const handler = new Recorder<string>();
    const loop = new Loop(handler);
    let closedResolved = false;
    const closed = loop.close('last').then(() => {
      closedResolved = true;
    });
    assert.equal(loop.enqueue('refused'), false);
    await settle();
    assert.equal(closedResolved, false, 'close waits for run() to return');
    await loop.run();
    await closed;
    assert.deepEqual(handler.handled, ['last']);
  });

  test('close after the loop ended drops its final event', async () => {
    const handler = new Recorder<string>();
    const loop = new Loop(handler);
    await loop.run(AbortSignal.abort());
    await loop.close('final');
    assert.deepEqual(handler.handled, []);
    assert.deepEqual(
      handler.dropped.map((d) => d.event),
      ['final'],
    );
  });

  test('calling run twice is an error', async () => {
    const loop = new Loop<number>(new Recorder<number>());
    const running = loop.run();
    await assert.rejects(loop.run(), /already called/);
    await loop.close();
    await running;
  });

  test('a throwing drop does not stop the other events from being dropped', async () => {
    const dropped: number[] = [];
    const loop = new Loop<number>({
      handle(event) {
        if (event === 0) throw new Error('first');
      },
      drop(event) {
        dropped.push(event);
        if (event === 1) throw new Error('drop failed');
      },
    });
    for (let i = 0; i < 3; i++) loop.enqueue(i);
    await assert.rejects(loop.run(), /first/);
    assert.deepEqual(dropped, [1, 2]);
  });

  test('dropped replies nobody awaits cause no unhandled rejections', async () => {
    const loop = new Loop<Reply<void>>({
      handle() {
        throw new Error('handler failed');
      },
      drop(reply, reason) {
        reply.reject(reason);
      },
    });
    for (let i = 0; i < 3; i++) loop.enqueue(createReply<void>().reply);
    await assert.rejects(loop.run());
    const aborted = new Loop<Reply<void>>({ handle: () => undefined, drop: (r, why) => r.reject(why) });
    aborted.enqueue(createReply<void>().reply);
    await aborted.run(AbortSignal.abort());
    await settle();
    await settle();
    assert.deepEqual(unhandled, []);
  });
});

describe('createReply', () => {
  test('is answered exactly once', async () => {
    const { reply, promise } = createReply<number>();
    assert.equal(reply.settled, false);
    reply.resolve(1);
    reply.resolve(2);
    reply.reject(new Error('late'));
    assert.equal(reply.settled, true);
    assert.equal(await promise, 1);
  });

  test('a rejection reaches whoever awaits the promise', async () => {
    const { reply, promise } = createReply<number>();
    reply.reject(new Error('no'));
    await assert.rejects(promise, /no/);
  });
});

describe('assertNever', () => {
  test('throws with the unexpected kind', () => {
    assert.throws(
      () => assertNever({ kind: 'Mystery' } as never, 'event'),
      /Unexpected event: kind 'Mystery'/,
    );
  });
});
