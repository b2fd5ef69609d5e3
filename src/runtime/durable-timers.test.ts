import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { rearmPendingTimers, scheduleTimer } from './durable-timers.js';
import { eventOf, eventTime, timerCreatedEvent } from './history-events.js';

describe('durable timers', () => {
  test('a createTimer records TimerCreated now and delivers TimerFired to its own inbox at fireAt', () => {
    const { created, task } = scheduleTimer('i1', 3, timestampFromMs(5_000), 1_000);
    assert.equal(created.eventId, 3);
    assert.equal(eventTime(created), 1_000);
    assert.equal(eventOf(created, 'timerCreated')?.fireAt?.seconds, 5n);
    assert.equal(task.instanceId, 'i1');
    assert.equal(task.fireAt, 5_000);
    assert.equal(eventOf(task.event, 'timerFired')?.timerId, 3);
    assert.equal(eventTime(task.event), 5_000);
  });

  test('a timer without a fire time fires now', () => {
    assert.equal(scheduleTimer('i1', 1, undefined, 7_000).task.fireAt, 7_000);
  });

  test('rewind re-arms each pending timer at its original fire time', () => {
    const tasks = rearmPendingTimers('i2', [timerCreatedEvent(4, 9_000, 1_000)], 2_000);
    assert.deepEqual(
      tasks.map((t) => [t.instanceId, t.fireAt, eventOf(t.event, 'timerFired')?.timerId]),
      [['i2', 9_000, 4]],
    );
  });
});
