import { create } from '@bufbuild/protobuf';
import { isDurableTaskError } from '../../api/errors.js';
import type { InstanceState } from '../../api/instance.js';
import type { WaitOptions } from '../../client/index.js';
import {
  GetInstanceResponseSchema,
  type GetInstanceRequest,
  type GetInstanceResponse,
} from '../../proto/orchestrator_service_pb.js';
import type { SidecarHandlers } from '../service-definition.js';
import { unaryHandler } from '../unary.js';
import { callSignal } from './call-signal.js';
import type { ClientRpcDeps } from './deps.js';
import { toGetInstanceResponse } from './orchestration-state.js';

/**
 * GetInstance, WaitForInstanceStart and WaitForInstanceCompletion. A missing instance answers
 * `exists: false` (not NOT_FOUND), as the Go sidecar does and as the SDKs read it ("undefined").
 * Waits have no deadline (the SDKs send none and time out on their side): they stay open, woken
 * by the backend's notifications, until the goal is reached or the call is cancelled, which
 * drops the wait and its listeners.
 */
export function getAndWaitHandlers(deps: ClientRpcDeps): SidecarHandlers {
  const { client } = deps;
  const wait = (until: (instanceId: string, options: WaitOptions) => Promise<InstanceState>) =>
    unaryHandler<GetInstanceRequest, GetInstanceResponse>(async (request, call) => {
      const { signal, release } = callSignal(call);
      try {
        const state = await until(request.instanceId, {
          fetchPayloads: request.getInputsAndOutputs,
          signal,
        });
        return toGetInstanceResponse(state);
      } catch (err) {
        if (isDurableTaskError(err, 'INSTANCE_NOT_FOUND')) {
          return create(GetInstanceResponseSchema, { exists: false });
        }
        throw err;
      } finally {
        release();
      }
    });
  return {
    getInstance: unaryHandler(async (request) =>
      toGetInstanceResponse(
        await client.getOrchestrationState(request.instanceId, {
          fetchPayloads: request.getInputsAndOutputs,
        }),
      ),
    ),
    waitForInstanceStart: wait((instanceId, options) =>
      client.waitForOrchestrationStart(instanceId, options),
    ),
    waitForInstanceCompletion: wait((instanceId, options) =>
      client.waitForOrchestrationCompletion(instanceId, options),
    ),
  };
}
