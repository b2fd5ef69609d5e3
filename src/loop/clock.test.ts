import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_TIMER_DELAY_MS, systemClock, timerDelay } from './clock.js';
import { FakeClock } from './testing/fake-clock.js';

describe('Clock', () => {
  test('delays are clamped into what setTimeout accepts', () => {
    assert.equal(timerDelay(-5), 0);
    assert.equal(timerDelay(10), 10);
    assert.equal(timerDelay(2 ** 40), MAX_TIMER_DELAY_MS);
  });

  test('a system timer with a delay past 2^31-1 ms does not fire at once, and cancels', async () => {
    let fired = false;
    const handle = systemClock.setTimer(2 ** 40, () => (fired = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(fired, false);
    handle.cancel();
    handle.cancel();
  });

  test('the fake fires due timers in due order, then arming order, with now() at each due time', () => {
    const clock = new FakeClock(1_000);
    const fired: string[] = [];
    clock.setTimer(30, () => fired.push(`c@${clock.now()}`));
    clock.setTimer(10, () => {
      fired.push(`a@${clock.now()}`);
      clock.setTimer(5, () => fired.push(`a2@${clock.now()}`));
    });
    clock.setTimer(10, () => fired.push(`b@${clock.now()}`));
    const cancelled = clock.setTimer(20, () => fired.push('never'));
    cancelled.cancel();
    clock.setTimer(100, () => fired.push('later'));
    assert.deepEqual(clock.pendingDelays(), [10, 10, 30, 100]);
    clock.advance(50);
    assert.deepEqual(fired, ['a@1010', 'b@1010', 'a2@1015', 'c@1030']);
    assert.equal(clock.now(), 1_050);
    assert.equal(clock.pendingCount, 1);
    assert.throws(() => clock.advance(-1), RangeError);
  });
});
