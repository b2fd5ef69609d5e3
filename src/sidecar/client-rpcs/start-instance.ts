import { create } from '@bufbuild/protobuf';
import { assertNonEmptyName, assertValidInstanceId, newInstanceId } from '../../client/instance-id.js';
import {
  CreateInstanceResponseSchema,
  type CreateInstanceRequest,
  type CreateInstanceResponse,
} from '../../proto/orchestrator_service_pb.js';
import { newExecutionId } from '../../runtime/execution-id.js';
import { executionStartedEvent } from '../../runtime/history-events.js';
import type { SidecarHandlers } from '../service-definition.js';
import { unaryHandler } from '../unary.js';
import type { ClientRpcDeps } from './deps.js';
import { nonEmpty, payloadOf, timeOf } from './payloads.js';

/**
 * StartInstance: creates the instance and answers at once (as the Go sidecar does when a start
 * time is given, which the SDKs always do). An empty instance id gets a fresh UUID; a
 * `scheduledStartTimestamp` at the epoch means "start now". Without an
 * `orchestrationIdReusePolicy` a completed, failed or terminated instance of the id is replaced
 * and a pending, running or suspended one is ALREADY_EXISTS (the Durable Task Scheduler's
 * default); with one, exactly the statuses it lists are replaced (none when it lists none, as the
 * .NET SDK sends when every status is a dedupe status).
 */
export function startInstanceHandlers(deps: ClientRpcDeps): SidecarHandlers {
  return { startInstance: unaryHandler((request) => startInstance(deps, request)) };
}

async function startInstance(
  deps: ClientRpcDeps,
  request: CreateInstanceRequest,
): Promise<CreateInstanceResponse> {
  const { backend, logger, maxPayloadBytes } = deps;
  const instanceId = request.instanceId === '' ? newInstanceId() : request.instanceId;
  assertValidInstanceId(instanceId);
  assertNonEmptyName(request.name, 'The orchestration name');
  const input = payloadOf(request.input, 'The orchestration input', maxPayloadBytes);
  const version = nonEmpty(request.version);
  const scheduledStartAt = timeOf(request.scheduledStartTimestamp);
  const startEvent = executionStartedEvent(
    {
      instanceId,
      executionId: nonEmpty(request.executionId) ?? newExecutionId(),
      name: request.name,
      tags: request.tags,
      ...(version !== undefined && { version }),
      ...(input !== undefined && { input }),
      ...(scheduledStartAt !== undefined && { scheduledStartAt }),
    },
    await backend.now(),
  );
  if (request.parentTraceContext && startEvent.eventType.case === 'executionStarted') {
    // Kept so the first turn's spans join the caller's trace.
    startEvent.eventType.value.parentTraceContext = request.parentTraceContext;
  }
  const policy = request.orchestrationIdReusePolicy;
  await backend.createInstance(startEvent, policy ? { replaceableStatuses: policy.replaceableStatus } : {});
  logger.debug({ instanceId, name: request.name }, 'orchestration scheduled');
  return create(CreateInstanceResponseSchema, { instanceId });
}
