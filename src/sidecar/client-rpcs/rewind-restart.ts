import { create } from '@bufbuild/protobuf';
import {
  RestartInstanceResponseSchema,
  RewindInstanceResponseSchema,
} from '../../proto/orchestrator_service_pb.js';
import type { SidecarHandlers } from '../service-definition.js';
import { unaryHandler } from '../unary.js';
import type { ClientRpcDeps } from './deps.js';
import { nonEmpty } from './payloads.js';

/**
 * RewindInstance: only a FAILED instance (FAILED_PRECONDITION otherwise, NOT_FOUND when absent);
 * the worker receives ExecutionRewound and answers with the rewound history.
 * RestartInstance: the original name, version, input and tags, under the same id (the instance
 * must be terminal, else FAILED_PRECONDITION) or a fresh one; answers the id it runs under.
 */
export function rewindRestartHandlers(deps: ClientRpcDeps): SidecarHandlers {
  const { client } = deps;
  return {
    rewindInstance: unaryHandler(async (request) => {
      await client.rewindOrchestration(request.instanceId, nonEmpty(request.reason));
      return create(RewindInstanceResponseSchema);
    }),
    restartInstance: unaryHandler(async (request) => {
      const instanceId = await client.restartOrchestration(request.instanceId, {
        newInstanceId: request.restartWithNewInstanceId,
      });
      return create(RestartInstanceResponseSchema, { instanceId });
    }),
  };
}
