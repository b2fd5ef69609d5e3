import { create } from '@bufbuild/protobuf';
import { NotCompletedError } from '../../api/errors.js';
import { isTerminalStatus, OrchestrationStatus } from '../../api/status.js';
import {
  CreateTaskHubResponseSchema,
  DeleteTaskHubResponseSchema,
} from '../../proto/orchestrator_service_pb.js';
import type { SidecarHandlers } from '../service-definition.js';
import { unaryHandler } from '../unary.js';
import type { ClientRpcDeps } from './deps.js';

const NON_TERMINAL_STATUSES = (
  Object.values(OrchestrationStatus).filter((v) => typeof v === 'number') as OrchestrationStatus[]
).filter((status) => !isTerminalStatus(status));

/**
 * CreateTaskHub and DeleteTaskHub. The sidecar serves one task hub whose store is created when
 * it starts, so:
 * - CreateTaskHub succeeds without doing anything; with `recreateIfExists` it first empties the
 *   hub as DeleteTaskHub does.
 * - DeleteTaskHub deletes every instance with its history, and keeps the store itself (the
 *   sidecar keeps serving). It refuses with FAILED_PRECONDITION, deleting nothing, while any
 *   instance is not terminal: terminate those first. Data of running instances is never dropped
 *   behind a worker's back.
 */
export function taskHubHandlers(deps: ClientRpcDeps): SidecarHandlers {
  return {
    createTaskHub: unaryHandler(async (request) => {
      if (request.recreateIfExists) await deleteAllInstances(deps);
      return create(CreateTaskHubResponseSchema);
    }),
    deleteTaskHub: unaryHandler(async () => {
      await deleteAllInstances(deps);
      return create(DeleteTaskHubResponseSchema);
    }),
  };
}

async function deleteAllInstances(deps: ClientRpcDeps): Promise<void> {
  const running = await deps.client.listInstanceIds({ statuses: NON_TERMINAL_STATUSES, pageSize: 1 });
  const first = running.items[0];
  if (first !== undefined) {
    throw new NotCompletedError(
      first,
      `The task hub still has instances that have not completed (for example '${first}'); ` +
        'terminate them before deleting the task hub.',
    );
  }
  const deleted = await deps.client.purgeOrchestrations({});
  deps.logger.info({ deleted }, 'task hub emptied');
}
