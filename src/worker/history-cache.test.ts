import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HistoryEvent } from '../proto/orchestrator_service_pb.js';
import { eventRaisedEvent } from '../runtime/history-events.js';
import { HistoryCache } from './history-cache.js';

const events = (n: number, name = 'e'): HistoryEvent[] =>
  Array.from({ length: n }, (_, i) => eventRaisedEvent(`${name}${i}`, undefined, i));

const names = (history: readonly HistoryEvent[] | undefined): string[] | undefined =>
  history?.map((event) => (event.eventType.case === 'eventRaised' ? event.eventType.value.name : '?'));

describe('HistoryCache', () => {
  test('answers only for the version it stored, and appends a turn to the history it started from', () => {
    const cache = new HistoryCache({ maxInstances: 10, maxEvents: 100 });
    cache.store('a', 'v1', [], events(2), false);
    assert.deepEqual(names(cache.get('a', 'v1')), ['e0', 'e1']);
    assert.equal(cache.get('a', undefined), undefined, 'no version: unknown');
    assert.equal(cache.get('a', 'v1'), undefined, 'a stale lookup dropped the entry');

    cache.store('a', 'v1', [], events(2), false);
    const started = cache.get('a', 'v1');
    assert.ok(started);
    cache.store('a', 'v2', started, events(1, 'f'), false);
    assert.equal(cache.get('a', 'v1'), undefined);
    cache.store('a', 'v2', started, [], false);
    assert.deepEqual(names(cache.get('a', 'v2')), ['e0', 'e1', 'f0']);
    assert.equal(cache.eventCount, 3);
  });

  test('a replaced history keeps only the new events', () => {
    const cache = new HistoryCache({ maxInstances: 10, maxEvents: 100 });
    cache.store('a', 'v1', [], events(3), false);
    const started = cache.get('a', 'v1') ?? [];
    cache.store('a', 'v2', started, events(1, 'new'), true);
    assert.deepEqual(names(cache.get('a', 'v2')), ['new0']);
    assert.equal(cache.eventCount, 1);
  });

  test('evicts the least recently used entries beyond the instance and event bounds', () => {
    const cache = new HistoryCache({ maxInstances: 2, maxEvents: 10 });
    cache.store('a', 'v', [], events(3), false);
    cache.store('b', 'v', [], events(3), false);
    assert.ok(cache.get('a', 'v'), 'a is now the most recently used');
    cache.store('c', 'v', [], events(3), false);
    assert.equal(cache.get('b', 'v'), undefined, 'b was evicted by the instance bound');
    assert.equal(cache.size, 2);

    cache.store('d', 'v', [], events(6), false);
    assert.equal(cache.get('a', 'v'), undefined, 'a was evicted by the event bound');
    assert.ok(cache.get('d', 'v'));
    assert.ok(cache.eventCount <= 10);

    cache.store('huge', 'v', [], events(11), false);
    assert.equal(cache.get('huge', 'v'), undefined, 'a history over the whole budget is not kept');
    cache.delete('d');
    assert.equal(cache.get('d', 'v'), undefined);
  });
});
