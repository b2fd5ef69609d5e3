import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import * as root from '../index.js';
import * as testing from './index.js';

/** Names that belong to tests, never to the main entry point. */
const TEST_ONLY = [
  'FakeClock',
  'confirmActions',
  'taskFailedEvent',
  'taskScheduledEvent',
  'timerFiredEvent',
  'historyEvent',
  'backendConformanceSuite',
  'replayOrchestration',
  'runActivity',
  'WorkLoopHandler',
  'createActivityRunner',
  'createOrchestrationTurnRunner',
  'compileWorkerOptions',
];

describe('public surface', () => {
  test('the main entry exports no test builders or worker internals', () => {
    const leaked = TEST_ONLY.filter((name) => name in root);
    assert.deepEqual(leaked, []);
  });

  test('durabletask-ts/testing has the fake clock, the history builders and the conformance suite', () => {
    for (const name of ['FakeClock', 'confirmActions', 'taskFailedEvent', 'replayOrchestration']) {
      assert.equal(typeof (testing as Record<string, unknown>)[name], 'function', name);
    }
    assert.equal(typeof testing.backendConformanceSuite, 'function');
    const clock = new testing.FakeClock(0);
    let fired = 0;
    clock.setTimer(10, () => fired++);
    clock.advance(10);
    assert.equal(fired, 1);
    assert.equal(clock.pendingCount, 0);
  });

  test('package.json maps ./testing to the built entry point', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      exports: Record<string, { types: string; default: string }>;
    };
    assert.deepEqual(pkg.exports['./testing'], {
      types: './dist/testing/index.d.ts',
      default: './dist/testing/index.js',
    });
  });
});
