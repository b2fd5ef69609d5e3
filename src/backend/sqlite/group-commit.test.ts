import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GroupCommitter, type WriteOptions } from './group-commit.js';

/** A committer over fake transactions that records each transaction's durability. */
function recordingCommitter(): {
  committer: GroupCommitter;
  transactions: boolean[];
  flushes: (() => void)[];
} {
  const transactions: boolean[] = [];
  const flushes: (() => void)[] = [];
  const committer = new GroupCommitter({
    inTransaction: (fn, durable) => {
      transactions.push(durable);
      return fn();
    },
    inSavepoint: (fn) => fn(),
    clock: { now: () => 0 },
    schedule: (flush) => flushes.push(flush),
    onCommitted: () => undefined,
  });
  return { committer, transactions, flushes };
}

const LAZY_BATCHED: WriteOptions = { durable: false, batched: true };

test('a batch of only lazy writes commits without waiting for the disk', async () => {
  const { committer, transactions, flushes } = recordingCommitter();
  const results = [committer.submit(() => 1, LAZY_BATCHED), committer.submit(() => 2, LAZY_BATCHED)];
  assert.equal(flushes.length, 1, 'both joined one batch');
  flushes[0]?.();
  assert.deepEqual(await Promise.all(results), [1, 2]);
  assert.deepEqual(transactions, [false]);
});

test('a batch with one durable write is durable as a whole', async () => {
  const { committer, transactions, flushes } = recordingCommitter();
  const results = [committer.submit(() => 'lazy', LAZY_BATCHED), committer.submit(() => 'durable')];
  flushes[0]?.();
  assert.deepEqual(await Promise.all(results), ['lazy', 'durable']);
  assert.deepEqual(transactions, [true]);
});

test('an unbatched lazy write runs at once in its own transaction', async () => {
  const { committer, transactions, flushes } = recordingCommitter();
  assert.equal(await committer.submit(() => 'lease', { durable: false }), 'lease');
  assert.equal(flushes.length, 0);
  assert.deepEqual(transactions, [false]);
});
