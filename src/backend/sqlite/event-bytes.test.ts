import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { taskCompletedEvent } from '../../runtime/history-events.js';
import { decodeStoredEvent, takeEventBytes } from './event-bytes.js';
import { decodeEvent, encodeEvent } from './rows.js';

describe('stored event bytes', () => {
  test('a leased event is written back as the bytes it was read from, once', () => {
    const stored = encodeEvent(taskCompletedEvent(3, '"done"', 1_000));
    const event = decodeStoredEvent(stored);
    assert.equal(takeEventBytes(event), stored);
    // Taken: the next write encodes afresh, to the same content.
    const again = takeEventBytes(event);
    assert.notEqual(again, stored);
    assert.deepEqual(decodeEvent(again), decodeEvent(stored));
  });

  test('an event built in the turn is encoded', () => {
    const event = taskCompletedEvent(4, '"x"', 2_000);
    assert.deepEqual(takeEventBytes(event), encodeEvent(event));
  });
});
