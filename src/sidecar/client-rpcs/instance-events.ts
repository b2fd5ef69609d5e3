import { create } from '@bufbuild/protobuf';
import { InvalidArgumentError, isDurableTaskError } from '../../api/errors.js';
import { isTerminalStatus } from '../../api/status.js';
import { assertNonEmptyName, assertValidInstanceId } from '../../client/instance-id.js';
import {
  RaiseEventResponseSchema,
  ResumeResponseSchema,
  SkipGracefulOrchestrationTerminationsResponseSchema,
  SuspendResponseSchema,
  TerminateResponseSchema,
  type HistoryEvent,
  type SkipGracefulOrchestrationTerminationsRequest,
  type SkipGracefulOrchestrationTerminationsResponse,
} from '../../proto/orchestrator_service_pb.js';
import { eventRaisedEvent, executionTerminatedEvent } from '../../runtime/history-events.js';
import type { SidecarHandlers } from '../service-definition.js';
import { unaryHandler } from '../unary.js';
import type { ClientRpcDeps } from './deps.js';
import { nonEmpty, payloadOf } from './payloads.js';

/** The most ids one InstanceBatch may carry (the proto's documented limit). */
const MAX_BATCH_IDS = 500;

/**
 * RaiseEvent, TerminateInstance, SuspendInstance, ResumeInstance and
 * SkipGracefulOrchestrationTerminations: each adds an event to the instance's inbox and answers
 * once it is stored (unlike the Dapr sidecar, none waits for the worker to apply it, so they
 * answer even while no worker is connected). An unknown instance is NOT_FOUND and leaves nothing
 * behind. Terminate honours the request's `recursive` flag (the SDKs send false by default).
 */
export function instanceEventHandlers(deps: ClientRpcDeps): SidecarHandlers {
  const { client, maxPayloadBytes } = deps;
  return {
    raiseEvent: unaryHandler(async (request) => {
      assertValidInstanceId(request.instanceId);
      assertNonEmptyName(request.name, 'The event name');
      const data = payloadOf(request.input, 'The event data', maxPayloadBytes);
      await addEvent(deps, request.instanceId, (at) => eventRaisedEvent(request.name, data, at));
      return create(RaiseEventResponseSchema);
    }),
    terminateInstance: unaryHandler(async (request) => {
      assertValidInstanceId(request.instanceId);
      const output = payloadOf(request.output, 'The termination output', maxPayloadBytes);
      await addEvent(deps, request.instanceId, (at) =>
        executionTerminatedEvent(output, request.recursive, at),
      );
      return create(TerminateResponseSchema);
    }),
    suspendInstance: unaryHandler(async (request) => {
      await client.suspendOrchestration(request.instanceId, nonEmpty(request.reason));
      return create(SuspendResponseSchema);
    }),
    resumeInstance: unaryHandler(async (request) => {
      await client.resumeOrchestration(request.instanceId, nonEmpty(request.reason));
      return create(ResumeResponseSchema);
    }),
    skipGracefulOrchestrationTerminations: unaryHandler((request) => skipGraceful(deps, request)),
  };
}

async function addEvent(
  deps: ClientRpcDeps,
  instanceId: string,
  build: (at: number) => HistoryEvent,
): Promise<void> {
  const { backend, logger } = deps;
  const event = build(await backend.now());
  await backend.addEvent(instanceId, event);
  logger.debug({ instanceId, event: event.eventType.case }, 'event sent to orchestration');
}

/**
 * Terminates each listed instance at once. This engine holds no entity locks, so there is no
 * graceful phase to skip: it is a batch of non-recursive terminations, with the reason (JSON
 * string) as the output. Ids that are unknown, already terminal or invalid are reported back in
 * `unterminatedInstanceIds`, as the proto documents.
 */
async function skipGraceful(
  deps: ClientRpcDeps,
  request: SkipGracefulOrchestrationTerminationsRequest,
): Promise<SkipGracefulOrchestrationTerminationsResponse> {
  const ids = request.instanceBatch?.instanceIds ?? [];
  if (ids.length > MAX_BATCH_IDS) {
    throw new InvalidArgumentError(
      `An instance batch holds at most ${MAX_BATCH_IDS} ids; got ${ids.length}.`,
    );
  }
  const reason = nonEmpty(request.reason);
  const output =
    reason === undefined ? undefined : payloadOf(JSON.stringify(reason), 'The reason', deps.maxPayloadBytes);
  const unterminated: string[] = [];
  for (const instanceId of ids) {
    try {
      assertValidInstanceId(instanceId);
      const state = await deps.backend.getInstance(instanceId, false);
      if (state === undefined || isTerminalStatus(state.status)) {
        unterminated.push(instanceId);
        continue;
      }
      await addEvent(deps, instanceId, (at) => executionTerminatedEvent(output, false, at));
    } catch (err) {
      if (!isDurableTaskError(err, 'INSTANCE_NOT_FOUND') && !isDurableTaskError(err, 'INVALID_ARGUMENT'))
        throw err;
      unterminated.push(instanceId);
    }
  }
  return create(SkipGracefulOrchestrationTerminationsResponseSchema, {
    unterminatedInstanceIds: unterminated,
  });
}
