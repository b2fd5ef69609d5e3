import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventOf, taskCompletedEvent } from './history-events.js';
import { actions, response, runTurn, scheduledTurn, startedHistory, T0 } from './testing/histories.js';

const NOW = T0 + 1000;

function scheduleUnder(orchestrationVersion: string | undefined, activityVersion?: string) {
  const action = actions.scheduleTask(2, 'next');
  if (activityVersion !== undefined && action.orchestratorActionType.case === 'scheduleTask') {
    action.orchestratorActionType.value.version = activityVersion;
  }
  const pastEvents = [
    ...startedHistory(orchestrationVersion === undefined ? {} : { version: orchestrationVersion }),
    ...scheduledTurn(1, 'a'),
  ];
  const { result } = runTurn(
    { pastEvents, newEvents: [taskCompletedEvent(1, '1', NOW)], now: NOW },
    response([action]),
  );
  const [task] = result.activities;
  assert.ok(task);
  const recorded = result.historyEvents.find((event) => event.eventType.case === 'taskScheduled');
  assert.ok(recorded);
  return { task: eventOf(task.event, 'taskScheduled'), history: eventOf(recorded, 'taskScheduled') };
}

describe('an activity scheduled without a version', () => {
  test("runs under its orchestration's version; the history keeps what the orchestration sent", () => {
    const { task, history } = scheduleUnder('3.0.0');
    assert.equal(task?.version, '3.0.0');
    assert.equal(history?.version, undefined);
  });

  test('an explicit activity version, or an unversioned orchestration, is left as it is', () => {
    assert.equal(scheduleUnder('3.0.0', '1.5').task?.version, '1.5');
    assert.equal(scheduleUnder(undefined).task?.version, undefined);
  });
});
