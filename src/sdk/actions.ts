import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  OrchestratorActionSchema,
  type HistoryEvent,
  type OrchestrationStatus,
  type OrchestratorAction,
  type TaskFailureDetails,
} from '../proto/orchestrator_service_pb.js';

/** Builders for the actions an orchestration turn returns. */

export interface CallOptionsInit {
  readonly tags?: Readonly<Record<string, string>>;
  readonly version?: string;
}

export function scheduleTaskAction(
  id: number,
  name: string,
  input: string | undefined,
  options: CallOptionsInit = {},
): OrchestratorAction {
  return create(OrchestratorActionSchema, {
    id,
    orchestratorActionType: {
      case: 'scheduleTask',
      value: {
        name,
        tags: { ...options.tags },
        ...(input !== undefined && { input }),
        ...(options.version && { version: options.version }),
      },
    },
  });
}

export function createSubOrchestrationAction(
  id: number,
  name: string,
  instanceId: string,
  input: string | undefined,
  options: CallOptionsInit = {},
): OrchestratorAction {
  return create(OrchestratorActionSchema, {
    id,
    orchestratorActionType: {
      case: 'createSubOrchestration',
      value: {
        name,
        instanceId,
        tags: { ...options.tags },
        ...(input !== undefined && { input }),
        ...(options.version && { version: options.version }),
      },
    },
  });
}

export function createTimerAction(id: number, fireAt: Date): OrchestratorAction {
  return create(OrchestratorActionSchema, {
    id,
    orchestratorActionType: { case: 'createTimer', value: { fireAt: timestampFromMs(fireAt.getTime()) } },
  });
}

export function sendEventAction(
  id: number,
  instanceId: string,
  name: string,
  data: string | undefined,
): OrchestratorAction {
  return create(OrchestratorActionSchema, {
    id,
    orchestratorActionType: {
      case: 'sendEvent',
      value: { instance: { instanceId }, name, ...(data !== undefined && { data }) },
    },
  });
}

export interface CompletionInit {
  readonly status: OrchestrationStatus;
  readonly result?: string | undefined;
  readonly failureDetails?: TaskFailureDetails;
  readonly carryoverEvents?: readonly HistoryEvent[];
}

export function completeOrchestrationAction(id: number, init: CompletionInit): OrchestratorAction {
  return create(OrchestratorActionSchema, {
    id,
    orchestratorActionType: {
      case: 'completeOrchestration',
      value: {
        orchestrationStatus: init.status,
        carryoverEvents: [...(init.carryoverEvents ?? [])],
        ...(init.result !== undefined && { result: init.result }),
        ...(init.failureDetails && { failureDetails: init.failureDetails }),
      },
    },
  });
}

/** The context method that produces an action of this kind, for error messages. */
export function methodOfAction(action: OrchestratorAction): string {
  const kind = action.orchestratorActionType;
  switch (kind.case) {
    case 'scheduleTask':
      return `callActivity '${kind.value.name}'`;
    case 'createSubOrchestration':
      return `callSubOrchestrator '${kind.value.name}'`;
    case 'createTimer':
      return 'createTimer';
    case 'sendEvent':
      return `sendEvent '${kind.value.name}'`;
    case 'completeOrchestration':
      return 'completeOrchestration';
    case 'terminateOrchestration':
      return 'terminateOrchestration';
    case 'sendEntityMessage':
      return 'sendEntityMessage';
    case 'rewindOrchestration':
      return 'rewindOrchestration';
    case undefined:
      return 'an empty action';
  }
}
