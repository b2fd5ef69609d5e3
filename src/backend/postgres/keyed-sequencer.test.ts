import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeyedSequencer } from './keyed-sequencer.js';

test('operations on one key run in call order, one at a time, and a failure does not block the rest', async () => {
  const sequencer = new KeyedSequencer();
  const log: string[] = [];
  let running = 0;
  const op =
    (name: string, ms: number, fail = false) =>
    async (): Promise<string> => {
      running++;
      assert.equal(running, 1, 'one at a time per key');
      log.push(`start ${name}`);
      await sleep(ms);
      running--;
      if (fail) throw new Error(name);
      return name;
    };
  const results = await Promise.allSettled([
    sequencer.run('k', op('a', 30)),
    sequencer.run('k', op('b', 1, true)),
    sequencer.run('k', op('c', 1)),
  ]);
  assert.deepEqual(log, ['start a', 'start b', 'start c']);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  await sleep(0);
  assert.equal(sequencer.activeKeys, 0);
});

test('different keys run concurrently', async () => {
  const sequencer = new KeyedSequencer();
  let release!: () => void;
  const blocked = sequencer.run('slow', () => new Promise<void>((resolve) => (release = resolve)));
  assert.equal(await sequencer.run('fast', async () => 'done'), 'done');
  release();
  await blocked;
});
