import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { OrchestrationStatus } from '../api/status.js';
import { OrchestratorActionSchema } from '../proto/orchestrator_service_pb.js';
import { eventOf, taskCompletedEvent } from './history-events.js';
import {
  actions,
  renderAll,
  response,
  runTurn,
  scheduledTurn,
  startedHistory,
  T0,
} from './testing/histories.js';

const NOW = T0 + 1000;
const running = [...startedHistory(), ...scheduledTurn(1, 'a')];

const entitySignal = create(OrchestratorActionSchema, {
  id: 3,
  orchestratorActionType: {
    case: 'sendEntityMessage',
    value: {
      EntityMessageType: {
        case: 'entityOperationSignaled',
        value: { requestId: 'r1', operation: 'add', targetInstanceId: '@counter@one' },
      },
    },
  },
});
const unknownType = create(OrchestratorActionSchema, { id: 4 });

describe('applyResponse: an action the engine cannot carry out', () => {
  for (const [label, action, pattern] of [
    ['an entity message', entitySignal, /sendEntityMessage action \(id 3, entityOperationSignaled\)/],
    ['an unknown action type', unknownType, /an action of an unknown type \(id 4\)/],
  ] as const) {
    test(`${label} fails the orchestration, naming the action, and nothing else is applied`, () => {
      const { result } = runTurn(
        { pastEvents: running, newEvents: [taskCompletedEvent(1, '1', NOW)], now: NOW },
        response([actions.scheduleTask(2, 'next'), action, actions.sendEvent(5, 'other', 'e')]),
      );
      assert.equal(result.summary.status, OrchestrationStatus.FAILED);
      assert.equal(result.summary.failureDetails?.errorType, 'UnsupportedAction');
      assert.match(result.summary.failureDetails?.errorMessage ?? '', pattern);
      assert.deepEqual(renderAll(result.historyEvents), [
        'OrchestratorStarted',
        'TaskCompleted(1)',
        'ExecutionCompleted(FAILED)',
      ]);
      const completed = result.historyEvents.at(-1);
      assert.equal(
        completed && eventOf(completed, 'executionCompleted')?.failureDetails?.isNonRetriable,
        true,
      );
      assert.deepEqual(result.activities, []);
      assert.deepEqual(result.messages, []);
    });
  }
});
