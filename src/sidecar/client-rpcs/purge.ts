import { create } from '@bufbuild/protobuf';
import { InvalidArgumentError, isDurableTaskError } from '../../api/errors.js';
import type { PurgeFilter } from '../../api/instance.js';
import {
  PurgeInstancesResponseSchema,
  type PurgeInstanceFilter,
  type PurgeInstancesRequest,
  type PurgeInstancesResponse,
} from '../../proto/orchestrator_service_pb.js';
import type { SidecarHandlers } from '../service-definition.js';
import { unaryHandler } from '../unary.js';
import type { ClientRpcDeps } from './deps.js';
import { timeOf } from './payloads.js';

const MAX_BATCH_IDS = 500;

/**
 * PurgeInstances, in its three forms:
 * - one `instanceId` (with `recursive` for its sub-orchestrations): NOT_FOUND when absent,
 *   FAILED_PRECONDITION while it is not terminal (the Go engine's errors);
 * - a `purgeInstanceFilter` (created-time range, statuses): every terminal instance matching;
 *   with a `timeout`, in batches until the time is up, and `isComplete` false when some are left
 *   (the caller purges again for the rest);
 * - an `instanceBatch`: each terminal instance listed; absent or running ones are skipped.
 * Without a timeout every purge finishes within the call: `isComplete` is true.
 */
export function purgeHandlers(deps: ClientRpcDeps): SidecarHandlers {
  return { purgeInstances: unaryHandler((request) => purge(deps, request)) };
}

async function purge(deps: ClientRpcDeps, request: PurgeInstancesRequest): Promise<PurgeInstancesResponse> {
  const { client } = deps;
  let deleted: number;
  switch (request.request.case) {
    case 'instanceId':
      deleted = await client.purgeOrchestration(request.request.value, { recursive: request.recursive });
      break;
    case 'purgeInstanceFilter': {
      const filter = request.request.value;
      if (filter.timeout === undefined) {
        deleted = await client.purgeOrchestrations(purgeFilterOf(filter));
        break;
      }
      const timeoutMs = Number(filter.timeout.seconds) * 1000 + filter.timeout.nanos / 1e6;
      const result = await client.purgeOrchestrationsWithin(purgeFilterOf(filter), { timeoutMs });
      return create(PurgeInstancesResponseSchema, result);
    }
    case 'instanceBatch':
      deleted = await purgeBatch(deps, request.request.value.instanceIds, request.recursive);
      break;
    case undefined:
      throw new InvalidArgumentError(
        'PurgeInstances needs an instanceId, a purgeInstanceFilter or an instanceBatch.',
      );
  }
  return create(PurgeInstancesResponseSchema, { deletedInstanceCount: deleted, isComplete: true });
}

function purgeFilterOf(filter: PurgeInstanceFilter): PurgeFilter {
  const createdFrom = timeOf(filter.createdTimeFrom);
  const createdTo = timeOf(filter.createdTimeTo);
  return {
    ...(createdFrom !== undefined && { createdFrom }),
    ...(createdTo !== undefined && { createdTo }),
    ...(filter.runtimeStatus.length > 0 && { statuses: filter.runtimeStatus }),
  };
}

async function purgeBatch(deps: ClientRpcDeps, ids: readonly string[], recursive: boolean): Promise<number> {
  if (ids.length > MAX_BATCH_IDS) {
    throw new InvalidArgumentError(
      `An instance batch holds at most ${MAX_BATCH_IDS} ids; got ${ids.length}.`,
    );
  }
  let deleted = 0;
  for (const instanceId of ids) {
    try {
      deleted += await deps.client.purgeOrchestration(instanceId, { recursive });
    } catch (err) {
      if (!isDurableTaskError(err, 'INSTANCE_NOT_FOUND') && !isDurableTaskError(err, 'NOT_COMPLETED'))
        throw err;
    }
  }
  return deleted;
}
