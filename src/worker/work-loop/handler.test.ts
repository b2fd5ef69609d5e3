import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LockLostError, ShutdownError } from '../../api/errors.js';
import { createReply } from '../../loop/reply.js';
import { SILENT_LOGGER } from '../../logging/logger.js';
import { FakeClock } from '../../loop/testing/fake-clock.js';
import type { WorkLoopEvent } from './events.js';
import { retryDelayMs } from './delays.js';
import { WorkLoopHandler, type WorkLoopConfig } from './handler.js';
import type { WorkSource } from './work-source.js';

interface Item {
  readonly instanceId: string;
  readonly attempt: number;
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A store and processor whose every call waits until the test settles it. */
class FakeSource implements WorkSource<Item> {
  readonly leases: Deferred<Item | undefined>[] = [];
  readonly dueQueries: Deferred<number | undefined>[] = [];
  readonly renewals: { item: Item; reply: Deferred<number> }[] = [];
  readonly abandons: { item: Item; delayMs: number; reply: Deferred<void> }[] = [];
  readonly runs: { item: Item; signal: AbortSignal; reply: Deferred<void> }[] = [];

  lease(): Promise<Item | undefined> {
    return this.#push(this.leases, deferred<Item | undefined>());
  }
  nextDueTime(): Promise<number | undefined> {
    return this.#push(this.dueQueries, deferred<number | undefined>());
  }
  renew(item: Item): Promise<number> {
    const reply = deferred<number>();
    this.renewals.push({ item, reply });
    return reply.promise;
  }
  abandon(item: Item, delayMs: number): Promise<void> {
    const reply = deferred<void>();
    this.abandons.push({ item, delayMs, reply });
    return reply.promise;
  }
  process(item: Item, signal: AbortSignal): Promise<void> {
    const reply = deferred<void>();
    this.runs.push({ item, signal, reply });
    return reply.promise;
  }
  describe(item: Item): Record<string, unknown> {
    return { instanceId: item.instanceId };
  }
  #push<T>(list: Deferred<T>[], d: Deferred<T>): Promise<T> {
    list.push(d);
    return d.promise;
  }
}

const CONFIG: WorkLoopConfig = {
  name: 'test worker',
  maxConcurrent: 2,
  lockDurationMs: 30_000,
  renewIntervalMs: 15_000,
  pollIntervalMs: 1_000,
};

/** Drives the handler event by event: effect results and timer events are collected, then fed. */
class Harness<S extends FakeSource = FakeSource> {
  readonly clock = new FakeClock();
  readonly source: S;
  readonly handler: WorkLoopHandler<Item>;
  #posted: WorkLoopEvent<Item>[] = [];

  constructor(config: Partial<WorkLoopConfig> = {}, source?: S) {
    this.source = source ?? (new FakeSource() as S);
    // A lock duration given alone renews at half of it, as the tests below expect.
    const renewIntervalMs = config.renewIntervalMs ?? (config.lockDurationMs ?? CONFIG.lockDurationMs) / 2;
    this.handler = new WorkLoopHandler<Item>(
      { ...CONFIG, renewIntervalMs, ...config },
      {
        source: this.source,
        clock: this.clock,
        logger: SILENT_LOGGER,
        post: (event) => {
          this.#posted.push(event);
          return true;
        },
      },
    );
  }

  send(event: WorkLoopEvent<Item>): void {
    this.handler.handle(event);
  }

  /** Lets settled effects post their events, then delivers everything posted, until quiet. */
  async deliver(): Promise<string[]> {
    const kinds: string[] = [];
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      const batch = this.#posted;
      this.#posted = [];
      if (batch.length === 0) return kinds;
      for (const event of batch) {
        kinds.push(event.kind);
        this.handler.handle(event);
      }
    }
  }

  /** Moves the fake clock (timers post their events) and delivers the results. */
  async advance(ms: number): Promise<string[]> {
    this.clock.advance(ms);
    return this.deliver();
  }

  /** Announces work and answers the resulting lease with `item`. */
  async leaseOne(item: Item): Promise<void> {
    const before = this.source.leases.length;
    this.send({ kind: 'WorkAvailable' });
    const lease = this.source.leases[before];
    assert.ok(lease, 'a lease was requested');
    lease.resolve(item);
    await this.deliver();
  }
}

const item = (instanceId: string, attempt = 0): Item => ({ instanceId, attempt });

describe('work loop: fetching and back-pressure', () => {
  test('WorkAvailable starts one fetch; more WorkAvailable while it is in flight do not double-fetch', async () => {
    const h = new Harness();
    h.send({ kind: 'WorkAvailable' });
    h.send({ kind: 'WorkAvailable' });
    h.send({ kind: 'WorkAvailable' });
    assert.equal(h.source.leases.length, 1);
    assert.equal(h.handler.snapshot().fetching, true);
  });

  test('work announced during an empty fetch triggers one more fetch (the first may have missed it)', async () => {
    const h = new Harness();
    h.send({ kind: 'WorkAvailable' });
    h.send({ kind: 'WorkAvailable' });
    h.source.leases[0]?.resolve(undefined);
    await h.deliver();
    assert.equal(h.source.leases.length, 2);
    assert.equal(h.source.dueQueries.length, 0);
  });

  test('after a fetch that found work it fetches again while slots remain, then stops', async () => {
    const h = new Harness({ maxConcurrent: 2 });
    await h.leaseOne(item('a'));
    assert.equal(h.source.runs.length, 1);
    assert.equal(h.source.leases.length, 2, 'fetched again at once');
    h.source.leases[1]?.resolve(item('b'));
    await h.deliver();
    assert.equal(h.source.runs.length, 2);
    assert.equal(h.source.leases.length, 2, 'no fetch with every slot busy');
    h.send({ kind: 'WorkAvailable' });
    assert.equal(h.source.leases.length, 2, 'WorkAvailable does not lease work that would wait');
    assert.equal(h.handler.snapshot().busySlots, 2);
  });

  test('a slot that frees up fetches again', async () => {
    const h = new Harness({ maxConcurrent: 1 });
    await h.leaseOne(item('a'));
    assert.equal(h.source.leases.length, 1);
    h.source.runs[0]?.reply.resolve();
    await h.deliver();
    assert.equal(h.handler.snapshot().busySlots, 0);
    assert.equal(h.source.leases.length, 2);
    assert.equal(h.source.abandons.length, 0, 'completed work is not abandoned');
  });

  test('a failed fetch retries on a wake-up timer with a growing delay capped by the poll interval', async () => {
    const h = new Harness({ pollIntervalMs: 1_000 });
    const delays: number[] = [];
    h.send({ kind: 'WorkAvailable' });
    for (let i = 0; i < 6; i++) {
      h.source.leases[i]?.reject(new Error('store down'));
      await h.deliver();
      const [delay] = h.clock.pendingDelays();
      assert.ok(delay !== undefined);
      delays.push(delay);
      await h.advance(delay);
    }
    assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
    assert.equal(h.source.leases.length, 7);
  });
});

/** A source that can lease a batch: each call records how many items it was asked for. */
class BatchSource extends FakeSource {
  readonly batches: { max: number; reply: Deferred<readonly Item[]> }[] = [];

  leaseMany(max: number): Promise<readonly Item[]> {
    const reply = deferred<readonly Item[]>();
    this.batches.push({ max, reply });
    return reply.promise;
  }
}

function batchHarness(config: Partial<WorkLoopConfig>): { h: Harness<BatchSource>; source: BatchSource } {
  const h = new Harness(config, new BatchSource());
  return { h, source: h.source };
}

describe('work loop: batch leases', () => {
  test('free slots are filled by one batch lease asking for as many items as slots are free', async () => {
    const { h, source } = batchHarness({ maxConcurrent: 4 });
    h.send({ kind: 'WorkAvailable' });
    assert.deepEqual(
      source.batches.map((b) => b.max),
      [4],
    );
    assert.equal(source.leases.length, 0, 'no single lease');
    source.batches[0]?.reply.resolve([item('a'), item('b'), item('c'), item('d')]);
    await h.deliver();
    assert.deepEqual(
      source.runs.map((r) => r.item.instanceId),
      ['a', 'b', 'c', 'd'],
    );
    assert.equal(h.handler.snapshot().busySlots, 4);
    assert.equal(source.batches.length, 1, 'no fetch with every slot busy');

    source.runs[0]?.reply.resolve();
    await h.deliver();
    assert.equal(source.leases.length, 1, 'one free slot: a single lease');
  });

  test('a batch with fewer items than asked for ends the fetching: the next due time is asked', async () => {
    const { h, source } = batchHarness({ maxConcurrent: 4 });
    h.send({ kind: 'WorkAvailable' });
    source.batches[0]?.reply.resolve([item('a')]);
    await h.deliver();
    assert.equal(h.handler.snapshot().busySlots, 1);
    assert.equal(source.batches.length, 1, 'no fetch that would find nothing');
    assert.equal(source.dueQueries.length, 1);
  });

  test('a short batch fetches again when work was announced while it was in flight', async () => {
    const { h, source } = batchHarness({ maxConcurrent: 4 });
    h.send({ kind: 'WorkAvailable' });
    h.send({ kind: 'WorkAvailable' });
    source.batches[0]?.reply.resolve([item('a')]);
    await h.deliver();
    assert.deepEqual(
      source.batches.map((b) => b.max),
      [4, 3],
    );
    assert.equal(source.dueQueries.length, 0);
  });

  test('a batch that arrives during shutdown is abandoned at once, every item of it', async () => {
    const { h, source } = batchHarness({ maxConcurrent: 3 });
    h.send({ kind: 'WorkAvailable' });
    const { reply, promise } = createReply<void>();
    h.send({ kind: 'Shutdown', reply });
    source.batches[0]?.reply.resolve([item('a'), item('b')]);
    await h.deliver();
    assert.deepEqual(
      source.abandons.map((a) => [a.item.instanceId, a.delayMs]),
      [
        ['a', 0],
        ['b', 0],
      ],
    );
    assert.equal(source.runs.length, 0);
    for (const abandon of source.abandons) abandon.reply.resolve();
    await h.deliver();
    await promise;
  });
});

describe('work loop: wake-ups', () => {
  test('an empty fetch asks for the next due time and arms one wake-up for it', async () => {
    const h = new Harness({ pollIntervalMs: 1_000 });
    h.send({ kind: 'WorkAvailable' });
    h.source.leases[0]?.resolve(undefined);
    await h.deliver();
    assert.equal(h.source.dueQueries.length, 1);
    h.source.dueQueries[0]?.resolve(h.clock.now() + 250);
    await h.deliver();
    assert.deepEqual(h.clock.pendingDelays(), [250]);
    await h.advance(249);
    assert.equal(h.source.leases.length, 1);
    await h.advance(1);
    assert.equal(h.source.leases.length, 2, 'the wake-up fetched');
  });

  test('the wake-up is capped by the poll interval, and polls when nothing is due', async () => {
    const h = new Harness({ pollIntervalMs: 1_000 });
    h.send({ kind: 'WorkAvailable' });
    h.source.leases[0]?.resolve(undefined);
    await h.deliver();
    h.source.dueQueries[0]?.resolve(h.clock.now() + 60_000);
    await h.deliver();
    assert.deepEqual(h.clock.pendingDelays(), [1_000]);
    await h.advance(1_000);
    h.source.leases[1]?.resolve(undefined);
    await h.deliver();
    h.source.dueQueries[1]?.resolve(undefined);
    await h.deliver();
    assert.deepEqual(h.clock.pendingDelays(), [1_000]);
  });

  test('a due time already past does not spin: the wake-up waits a minimum delay', async () => {
    const h = new Harness();
    h.send({ kind: 'WorkAvailable' });
    h.source.leases[0]?.resolve(undefined);
    await h.deliver();
    h.source.dueQueries[0]?.resolve(h.clock.now() - 5_000);
    await h.deliver();
    const [delay] = h.clock.pendingDelays();
    assert.ok(delay !== undefined && delay > 0 && delay < 100);
  });

  test('a fetch started before the wake-up fires cancels it, and a stale wake-up is ignored', async () => {
    const h = new Harness();
    h.send({ kind: 'WorkAvailable' });
    h.source.leases[0]?.resolve(undefined);
    await h.deliver();
    h.source.dueQueries[0]?.resolve(h.clock.now() + 500);
    await h.deliver();
    assert.equal(h.clock.pendingCount, 1);
    h.send({ kind: 'WorkAvailable' });
    assert.equal(h.source.leases.length, 2);
    assert.equal(h.clock.pendingCount, 0, 'the wake-up timer was cancelled');
    h.send({ kind: 'WakeUpDue', generation: 1 });
    h.source.leases[1]?.resolve(undefined);
    await h.deliver();
    assert.equal(h.source.leases.length, 2, 'the stale wake-up did not fetch');
  });

  test('a next due time that arrives after a fetch started arms nothing', async () => {
    const h = new Harness();
    h.send({ kind: 'WorkAvailable' });
    h.source.leases[0]?.resolve(undefined);
    await h.deliver();
    h.send({ kind: 'WorkAvailable' });
    h.source.dueQueries[0]?.resolve(h.clock.now() + 500);
    await h.deliver();
    assert.equal(h.clock.pendingCount, 0);
    assert.equal(h.handler.snapshot().fetching, true);
  });
});

describe('work loop: leases', () => {
  test('renews the lease at half the lock duration, again after each renewal', async () => {
    const h = new Harness({ lockDurationMs: 30_000 });
    await h.leaseOne(item('a'));
    h.source.leases[1]?.resolve(undefined); // the fetch-again finds nothing
    await h.deliver();
    h.source.dueQueries[0]?.resolve(undefined);
    await h.deliver();
    await h.advance(14_999);
    assert.equal(h.source.renewals.length, 0);
    await h.advance(1);
    assert.equal(h.source.renewals.length, 1);
    assert.equal(h.source.renewals[0]?.item.instanceId, 'a');
    h.source.renewals[0]?.reply.resolve(h.clock.now() + 30_000);
    await h.deliver();
    await h.advance(15_000);
    assert.equal(h.source.renewals.length, 2);
  });

  test('renews at the configured interval', async () => {
    const h = new Harness({ lockDurationMs: 9_000, renewIntervalMs: 3_000, maxConcurrent: 1 });
    await h.leaseOne(item('a'));
    await h.advance(2_999);
    assert.equal(h.source.renewals.length, 0);
    await h.advance(1);
    assert.equal(h.source.renewals.length, 1);
    h.source.renewals[0]?.reply.resolve(h.clock.now() + 9_000);
    await h.deliver();
    await h.advance(3_000);
    assert.equal(h.source.renewals.length, 2);
  });

  test('a transient renewal failure retries sooner, before the lease runs out', async () => {
    const h = new Harness({ lockDurationMs: 32_000, maxConcurrent: 1 });
    await h.leaseOne(item('a'));
    await h.advance(16_000);
    h.source.renewals[0]?.reply.reject(new Error('connection reset'));
    await h.deliver();
    assert.deepEqual(h.clock.pendingDelays(), [4_000]);
    await h.advance(4_000);
    assert.equal(h.source.renewals.length, 2);
    assert.equal(h.source.runs[0]?.signal.aborted, false);
  });

  test('a lease lost on renewal aborts the work and does not abandon it', async () => {
    const h = new Harness({ maxConcurrent: 1 });
    await h.leaseOne(item('a'));
    await h.advance(15_000);
    h.source.renewals[0]?.reply.reject(new LockLostError('a'));
    await h.deliver();
    const run = h.source.runs[0];
    assert.equal(run?.signal.aborted, true);
    assert.ok(run.signal.reason instanceof LockLostError);
    run.reply.reject(new Error('The operation was aborted')); // as an executor reports an abort
    await h.deliver();
    assert.equal(h.source.abandons.length, 0);
    assert.equal(h.handler.snapshot().busySlots, 0);
    assert.equal(h.clock.pendingDelays().includes(15_000), false, 'no renewal timer left');
  });

  test('work whose commit found the lock lost frees its slot without abandoning', async () => {
    const h = new Harness({ maxConcurrent: 1 });
    await h.leaseOne(item('a'));
    h.source.runs[0]?.reply.reject(new LockLostError('a'));
    await h.deliver();
    assert.equal(h.source.abandons.length, 0);
    assert.equal(h.handler.snapshot().busySlots, 0);
    assert.equal(h.source.leases.length, 2, 'the free slot fetches again');
    assert.equal(h.clock.pendingCount, 0, 'the renewal timer was cancelled');
  });

  test('failed work is abandoned with a delay growing with its attempt count', async () => {
    const h = new Harness({ maxConcurrent: 3 });
    await h.leaseOne(item('a', 0));
    h.source.leases[1]?.resolve(item('b', 3));
    await h.deliver();
    h.source.leases[2]?.resolve(item('c', 12));
    await h.deliver();
    for (const run of h.source.runs) run.reply.reject(new Error('executor failed'));
    await h.deliver();
    assert.deepEqual(
      h.source.abandons.map((a) => [a.item.instanceId, a.delayMs]),
      [
        ['a', 1_000],
        ['b', 8_000],
        ['c', 60_000],
      ],
    );
    assert.equal(retryDelayMs(1), 2_000);
  });
});

describe('work loop: abandons during a store outage', () => {
  /** One slot whose work failed; its abandon (delay 1 s) is the first one asked for. */
  async function failedWork(config: Partial<WorkLoopConfig> = {}) {
    const h = new Harness({ maxConcurrent: 1, lockDurationMs: 10_000, ...config });
    await h.leaseOne(item('a'));
    h.source.leases[1]?.resolve(undefined);
    await h.deliver();
    h.source.dueQueries[0]?.resolve(undefined);
    await h.deliver();
    h.source.runs[0]?.reply.reject(new Error('commit failed: connection refused'));
    await h.deliver();
    assert.equal(h.source.abandons.length, 1);
    return h;
  }

  test('a failed abandon is tried again with a short backoff until the store answers', async () => {
    const h = await failedWork();
    h.source.abandons[0]?.reply.reject(new Error('connection refused'));
    await h.deliver();
    await h.advance(99);
    assert.equal(h.source.abandons.length, 1);
    await h.advance(1);
    assert.equal(h.source.abandons.length, 2, 'retried after 100 ms');
    h.source.abandons[1]?.reply.reject(new Error('connection refused'));
    await h.deliver();
    await h.advance(200);
    assert.equal(h.source.abandons.length, 3, 'then after 200 ms');
    assert.deepEqual(
      h.source.abandons.map((a) => [a.item.instanceId, a.delayMs]),
      [
        ['a', 1_000],
        ['a', 1_000],
        ['a', 1_000],
      ],
    );
    h.source.abandons[2]?.reply.resolve();
    await h.deliver();
    await h.advance(5_000);
    assert.equal(h.source.abandons.length, 3, 'no retry once it succeeded');
  });

  test('an abandon refused because the lease is gone is not retried', async () => {
    const h = await failedWork();
    h.source.abandons[0]?.reply.reject(new LockLostError('a'));
    await h.deliver();
    await h.advance(5_000);
    assert.equal(h.source.abandons.length, 1);
  });

  test('retries stop once a lock duration has passed: the lease has expired by then', async () => {
    const h = await failedWork({ lockDurationMs: 2_000, pollIntervalMs: 1_000 });
    for (let i = 0; i < 20; i++) {
      h.source.abandons.at(-1)?.reply.reject(new Error('connection refused'));
      await h.deliver();
      await h.advance(1_000);
    }
    const tries = h.source.abandons.length;
    assert.equal(tries, 3, 'tried at the failure, after 100 ms, after 1.1 s; not after 2 s');
  });

  test('shutdown cancels a waiting retry and still stops', async () => {
    const h = await failedWork();
    h.source.abandons[0]?.reply.reject(new Error('connection refused'));
    await h.deliver();
    const { reply } = createReply<void>();
    h.send({ kind: 'Shutdown', reply });
    h.source.leases.at(-1)?.resolve(undefined); // the free slot's fetch
    await h.deliver();
    assert.equal(reply.settled, true);
    await h.advance(5_000);
    assert.equal(h.source.abandons.length, 1);
  });
});

describe('work loop: shutdown', () => {
  test('aborts in-flight work, abandons it with no delay, and answers once every effect settled', async () => {
    const h = new Harness({ maxConcurrent: 2 });
    await h.leaseOne(item('a'));
    h.source.leases[1]?.resolve(item('b'));
    await h.deliver();
    const { reply, promise } = createReply<void>();
    h.send({ kind: 'Shutdown', reply });
    assert.equal(h.handler.snapshot().phase, 'stopping');
    assert.ok(h.source.runs.every((r) => r.signal.aborted));
    assert.ok(h.source.runs[0]?.signal.reason instanceof ShutdownError);
    assert.equal(h.clock.pendingCount, 0, 'renewal timers cancelled');

    h.source.runs[0]?.reply.reject(new ShutdownError());
    h.source.runs[1]?.reply.resolve(); // finished before it saw the abort
    await h.deliver();
    assert.deepEqual(
      h.source.abandons.map((a) => [a.item.instanceId, a.delayMs]),
      [['a', 0]],
    );
    assert.equal(reply.settled, false, 'waits for the abandon to settle');
    h.source.abandons[0]?.reply.resolve();
    await h.deliver();
    assert.equal(reply.settled, true);
    await promise;
    assert.equal(h.handler.snapshot().phase, 'stopped');
    assert.equal(h.source.leases.length, 2, 'no fetch during shutdown');
  });

  test('an item leased by a fetch in flight at shutdown is handed back unprocessed', async () => {
    const h = new Harness();
    h.send({ kind: 'WorkAvailable' });
    const { reply } = createReply<void>();
    h.send({ kind: 'Shutdown', reply });
    assert.equal(reply.settled, false, 'waits for the fetch');
    h.source.leases[0]?.resolve(item('late'));
    await h.deliver();
    assert.equal(h.source.runs.length, 0);
    assert.deepEqual(
      h.source.abandons.map((a) => [a.item.instanceId, a.delayMs]),
      [['late', 0]],
    );
    h.source.abandons[0]?.reply.reject(new Error('store down'));
    await h.deliver();
    assert.equal(reply.settled, true, 'a failed abandon still settles');
  });

  test('an idle loop answers at once and cancels its wake-up timer', async () => {
    const h = new Harness();
    h.send({ kind: 'WorkAvailable' });
    h.source.leases[0]?.resolve(undefined);
    await h.deliver();
    h.source.dueQueries[0]?.resolve(undefined);
    await h.deliver();
    assert.equal(h.clock.pendingCount, 1);
    const { reply } = createReply<void>();
    h.send({ kind: 'Shutdown', reply });
    assert.equal(reply.settled, true);
    assert.equal(h.clock.pendingCount, 0);
  });

  test('events after shutdown start nothing; a second Shutdown is answered at once', async () => {
    const h = new Harness();
    const first = createReply<void>();
    h.send({ kind: 'Shutdown', reply: first.reply });
    h.send({ kind: 'WorkAvailable' });
    h.send({ kind: 'WakeUpDue', generation: 0 });
    h.send({ kind: 'LeaseRenewDue', slotId: 1 });
    assert.equal(h.source.leases.length, 0);
    assert.equal(h.source.renewals.length, 0);
    const second = createReply<void>();
    h.send({ kind: 'Shutdown', reply: second.reply });
    assert.equal(first.reply.settled, true);
    assert.equal(second.reply.settled, true);
  });

  test('a Shutdown dropped by the loop rejects its reply', async () => {
    const h = new Harness();
    const { reply, promise } = createReply<void>();
    h.handler.drop({ kind: 'Shutdown', reply }, new ShutdownError('loop'));
    await assert.rejects(promise, ShutdownError);
  });

  test('dispose cancels every timer and aborts in-flight work', async () => {
    const h = new Harness({ maxConcurrent: 1 });
    await h.leaseOne(item('a'));
    assert.equal(h.clock.pendingCount, 1);
    h.handler.dispose();
    assert.equal(h.clock.pendingCount, 0);
    assert.equal(h.source.runs[0]?.signal.aborted, true);
  });
});
