import { NonDeterminismError } from '../api/errors.js';
import type { OrchestratorAction } from '../proto/orchestrator_service_pb.js';
import { methodOfAction } from './actions.js';

type ActionCase = NonNullable<OrchestratorAction['orchestratorActionType']['case']>;

/** What a history event says the code did at one sequence number. */
export interface RecordedCall {
  readonly sequenceNumber: number;
  readonly kind: ActionCase;
  /** The activity, orchestrator or event name recorded in history, when the call has one. */
  readonly name?: string;
  /** For sendEvent: the target instance recorded in history. */
  readonly targetInstanceId?: string;
}

/**
 * Checks that the code, replayed, made the call the history recorded at that sequence number,
 * and removes the confirmed action. Throws NonDeterminismError naming both sides otherwise.
 */
export function confirmRecordedCall(pending: Map<number, OrchestratorAction>, recorded: RecordedCall): void {
  const action = pending.get(recorded.sequenceNumber);
  pending.delete(recorded.sequenceNumber);
  if (action && action.orchestratorActionType.case === recorded.kind) {
    const actual = actualNameAndTarget(action);
    const nameMatches = recorded.name === undefined || recorded.name === actual.name;
    const targetMatches =
      recorded.targetInstanceId === undefined || recorded.targetInstanceId === actual.target;
    if (nameMatches && targetMatches) return;
  }
  const expected = describeRecorded(recorded);
  const actual = action ? describeAction(action) : 'nothing';
  throw new NonDeterminismError(
    `Non-deterministic orchestration: the history has ${expected} at sequence number ` +
      `${recorded.sequenceNumber}, but replaying the orchestrator code gives ${actual} there. ` +
      'The orchestrator code changed while this instance was running, or it is not deterministic.',
  );
}

function actualNameAndTarget(action: OrchestratorAction): { name?: string; target?: string } {
  const kind = action.orchestratorActionType;
  if (kind.case === 'scheduleTask' || kind.case === 'createSubOrchestration')
    return { name: kind.value.name };
  if (kind.case === 'sendEvent')
    return { name: kind.value.name, target: kind.value.instance?.instanceId ?? '' };
  return {};
}

function describeAction(action: OrchestratorAction): string {
  const description = methodOfAction(action);
  const kind = action.orchestratorActionType;
  return kind.case === 'sendEvent'
    ? `${description} to '${kind.value.instance?.instanceId ?? ''}'`
    : description;
}

function describeRecorded(recorded: RecordedCall): string {
  const method: Record<ActionCase, string> = {
    scheduleTask: 'callActivity',
    createSubOrchestration: 'callSubOrchestrator',
    createTimer: 'createTimer',
    sendEvent: 'sendEvent',
    completeOrchestration: 'completeOrchestration',
    terminateOrchestration: 'terminateOrchestration',
    sendEntityMessage: 'sendEntityMessage',
    rewindOrchestration: 'rewindOrchestration',
  };
  const name = recorded.name === undefined ? '' : ` '${recorded.name}'`;
  const target = recorded.targetInstanceId === undefined ? '' : ` to '${recorded.targetInstanceId}'`;
  return `${method[recorded.kind]}${name}${target}`;
}
