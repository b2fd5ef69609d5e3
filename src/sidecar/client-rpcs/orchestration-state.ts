import { create } from '@bufbuild/protobuf';
import type { InstanceState } from '../../api/instance.js';
import {
  GetInstanceResponseSchema,
  OrchestrationStateSchema,
  type GetInstanceResponse,
  type OrchestrationState,
} from '../../proto/orchestrator_service_pb.js';
import { timestampOf } from './payloads.js';

/**
 * An instance as the SDKs read it. Failure details are sent whether or not payloads were asked
 * for (they are not a user payload); input, output and custom status only when fetched.
 */
export function toOrchestrationState(state: InstanceState): OrchestrationState {
  return create(OrchestrationStateSchema, {
    instanceId: state.instanceId,
    name: state.name,
    orchestrationStatus: state.status,
    executionId: state.executionId,
    createdTimestamp: timestampOf(state.createdAt),
    lastUpdatedTimestamp: timestampOf(state.lastUpdatedAt),
    tags: { ...state.tags },
    ...(state.version !== undefined && { version: state.version }),
    ...(state.scheduledStartAt !== undefined && {
      scheduledStartTimestamp: timestampOf(state.scheduledStartAt),
    }),
    ...(state.completedAt !== undefined && { completedTimestamp: timestampOf(state.completedAt) }),
    ...(state.input !== undefined && { input: state.input }),
    ...(state.output !== undefined && { output: state.output }),
    ...(state.customStatus !== undefined && { customStatus: state.customStatus }),
    ...(state.failureDetails !== undefined && { failureDetails: state.failureDetails }),
    ...(state.parentInstanceId !== undefined && { parentInstanceId: state.parentInstanceId }),
  });
}

/** `exists: false` for a missing instance: how the Go sidecar answers, and what the SDKs expect. */
export function toGetInstanceResponse(state: InstanceState | undefined): GetInstanceResponse {
  return state === undefined
    ? create(GetInstanceResponseSchema, { exists: false })
    : create(GetInstanceResponseSchema, { exists: true, orchestrationState: toOrchestrationState(state) });
}
