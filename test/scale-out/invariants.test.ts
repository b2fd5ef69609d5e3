import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OrchestrationStatus } from '../../src/api/status.js';
import { startEvent } from '../../src/backend/testing/turn-builders.js';
import {
  executionCompletedEvent,
  orchestratorStartedEvent,
  taskCompletedEvent,
  taskScheduledEvent,
} from '../../src/runtime/history-events.js';
import type { ActivityRunRow, TurnRow } from './execution-log.js';
import { checkHistory, checkResultsCameFromRuns, checkTurnsNeverOverlap } from './invariants.js';

/** The scale-out checks find what they look for (a check that cannot fail proves nothing). */

const ID = 'inst';
const result = (run: number): string => JSON.stringify({ value: 1, run });

function goodHistory(): ReturnType<typeof startEvent>[] {
  return [
    orchestratorStartedEvent(1),
    startEvent(ID, 1),
    taskScheduledEvent(0, { name: 'a' }, 1),
    taskScheduledEvent(1, { name: 'b' }, 1),
    orchestratorStartedEvent(2),
    taskCompletedEvent(0, result(10), 2),
    taskCompletedEvent(1, result(11), 2),
    executionCompletedEvent(-1, OrchestrationStatus.COMPLETED, '"done"', undefined, 2),
  ];
}

function turn(
  id: number,
  process: string,
  startedAt: number,
  endedAt: number | null,
  outcome: TurnRow['outcome'],
): TurnRow {
  return { id, process, instanceId: ID, startedAt, endedAt, outcome };
}

describe('scale-out invariants', () => {
  test('a well-formed history passes and reports its turns and result runs', () => {
    const violations: string[] = [];
    const facts = checkHistory(ID, goodHistory(), 2, violations);
    assert.deepEqual(violations, []);
    assert.equal(facts.turns, 2);
    assert.deepEqual(
      [...facts.resultRuns],
      [
        [0, 10],
        [1, 11],
      ],
    );
  });

  test('a task scheduled twice, a second result, a missing completion are found', () => {
    const history = goodHistory();
    history.splice(3, 0, taskScheduledEvent(0, { name: 'a' }, 1));
    history.push(
      taskCompletedEvent(1, result(12), 3),
      executionCompletedEvent(-1, OrchestrationStatus.COMPLETED, '"again"', undefined, 3),
    );
    const violations: string[] = [];
    checkHistory(ID, history, 2, violations);
    assert.deepEqual(violations, [
      'inst: 2 ExecutionCompleted events',
      'inst: task 0 scheduled twice',
      'inst: task 1 has two results',
    ]);
    const missing: string[] = [];
    checkHistory(
      ID,
      goodHistory().filter((e) => e.eventType.case !== 'taskCompleted'),
      2,
      missing,
    );
    assert.deepEqual(missing, ['inst: task 0 has no result', 'inst: task 1 has no result']);
  });

  test('a result naming a run of another task is found', () => {
    const run = (id: number, taskId: number): [number, ActivityRunRow] => [
      id,
      { id, process: 'p', instanceId: ID, taskId, ranAt: 0 },
    ];
    const violations: string[] = [];
    const facts = checkHistory(ID, goodHistory(), 2, violations);
    checkResultsCameFromRuns(ID, facts, new Map([run(10, 0), run(11, 0)]), violations);
    assert.deepEqual(violations, ['inst: the result of task 1 names run 11, not a run of that task']);
  });

  test('overlapping turns are found; back-to-back turns and failed commits are not', () => {
    const killed = { process: 'a', at: 500 };
    const clean: string[] = [];
    checkTurnsNeverOverlap(
      [
        turn(1, 'a', 0, 100, 'committed'),
        turn(2, 'b', 100, 200, 'committed'),
        turn(3, 'a', 150, 180, 'failed'), // lost its lease: allowed to overlap
        turn(4, 'a', 300, null, null), // held by the killed process until 500
        turn(5, 'b', 2600, 2700, 'committed'),
      ],
      killed,
      clean,
    );
    assert.deepEqual(clean, []);

    const overlapping: string[] = [];
    checkTurnsNeverOverlap(
      [
        turn(1, 'a', 0, 100, 'committed'),
        turn(2, 'b', 99, 200, 'committed'),
        turn(3, 'a', 300, null, null),
        turn(4, 'b', 400, 450, 'abandoned'),
      ],
      killed,
      overlapping,
    );
    assert.equal(overlapping.length, 2, overlapping.join('\n'));
    assert.match(overlapping[0]!, /turn 2 \(b\) started at 99, before turn 1 \(a\) ended at 100/);
    assert.match(overlapping[1]!, /turn 4 \(b\) started at 400, before turn 3 \(a\) ended at 500/);

    const unfinished: string[] = [];
    checkTurnsNeverOverlap([turn(1, 'b', 0, null, null)], killed, unfinished);
    assert.deepEqual(unfinished, ['turn 1 of b never finished']);
  });
});
