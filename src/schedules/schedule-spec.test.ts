import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dueTick, nextTickAfter, type ScheduleSpec } from './schedule-spec.js';

const HOUR = 3_600_000;
const at = (iso: string): number => Date.parse(iso);

describe('nextTickAfter', () => {
  test('an interval counts from its anchor (creation, or startAt)', () => {
    const spec: ScheduleSpec = { intervalMs: 1000, orchestration: 'x' };
    assert.equal(nextTickAfter(spec, 0, 0), 1000);
    assert.equal(nextTickAfter(spec, 5500, 0), 6000);
    assert.equal(nextTickAfter(spec, 6000, 0), 7000, 'strictly after');
    assert.equal(nextTickAfter({ ...spec, startAt: 10_000 }, 5000, 0), 10_000, 'startAt is the first tick');
    assert.equal(nextTickAfter({ ...spec, endAt: 6500 }, 6000, 0), undefined, 'nothing past endAt');
  });

  test('a cron expression follows its time zone across a daylight-saving change', () => {
    const spec: ScheduleSpec = { cron: '30 9 * * *', timeZone: 'America/New_York', orchestration: 'x' };
    // 09:30 EST is 14:30 UTC; after the switch on 2026-03-08, 09:30 EDT is 13:30 UTC.
    assert.equal(nextTickAfter(spec, at('2026-03-07T00:00:00Z'), 0), at('2026-03-07T14:30:00Z'));
    assert.equal(nextTickAfter(spec, at('2026-03-08T00:00:00Z'), 0), at('2026-03-08T13:30:00Z'));
    assert.equal(
      nextTickAfter({ cron: spec.cron ?? '', orchestration: 'x' }, at('2026-03-08T00:00:00Z'), 0),
      at('2026-03-08T09:30:00Z'),
    );
  });
});

describe('dueTick', () => {
  const hourly: ScheduleSpec = { intervalMs: HOUR, orchestration: 'x', catchupWindowMs: 10 * 60_000 };

  test('on time: the tick runs, nothing is missed', () => {
    assert.deepEqual(dueTick(hourly, HOUR, HOUR + 20, 0), { tickAt: HOUR, runs: true, missed: 0 });
  });

  test('handled late but within the window: that tick runs (the next ones follow in turn)', () => {
    const everySecond: ScheduleSpec = { intervalMs: 1000, orchestration: 'x' };
    assert.deepEqual(dueTick(everySecond, 1000, 3500, 0), { tickAt: 1000, runs: true, missed: 0 });
  });

  test('after downtime: ticks older than the window are missed, the oldest within it runs', () => {
    assert.deepEqual(dueTick(hourly, HOUR, 3 * HOUR + 5 * 60_000, 0), {
      tickAt: 3 * HOUR,
      runs: true,
      missed: 2,
    });
  });

  test('after downtime past the window for every tick: all are missed', () => {
    assert.deepEqual(dueTick(hourly, HOUR, 3 * HOUR + 20 * 60_000, 0), {
      tickAt: 3 * HOUR,
      runs: false,
      missed: 3,
    });
  });

  test('the default window is a minute', () => {
    const spec: ScheduleSpec = { intervalMs: HOUR, orchestration: 'x' };
    assert.equal(dueTick(spec, HOUR, HOUR + 59_000, 0).runs, true);
    assert.equal(dueTick(spec, HOUR, HOUR + 61_000, 0).runs, false);
  });
});
