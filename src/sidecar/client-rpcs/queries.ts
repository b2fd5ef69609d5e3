import { create } from '@bufbuild/protobuf';
import { InvalidArgumentError } from '../../api/errors.js';
import type { InstanceQuery } from '../../api/instance.js';
import {
  ListInstanceIdsResponseSchema,
  QueryInstancesResponseSchema,
  type ListInstanceIdsRequest,
  type ListInstanceIdsResponse,
  type QueryInstancesRequest,
  type QueryInstancesResponse,
} from '../../proto/orchestrator_service_pb.js';
import type { SidecarHandlers } from '../service-definition.js';
import { unaryHandler } from '../unary.js';
import type { ClientRpcDeps } from './deps.js';
import { nonEmpty, timeOf } from './payloads.js';
import { toOrchestrationState } from './orchestration-state.js';

/**
 * QueryInstances and ListInstanceIds: one page per call, ordered by creation time then id, with
 * an opaque continuation token (absent on the last page). A page size of 0 means the default
 * (100). `taskHubNames` is ignored: a sidecar serves one task hub.
 */
export function queryHandlers(deps: ClientRpcDeps): SidecarHandlers {
  return {
    queryInstances: unaryHandler((request) => queryInstances(deps, request)),
    listInstanceIds: unaryHandler((request) => listInstanceIds(deps, request)),
  };
}

function assertPageSize(size: number, field: string): void {
  if (size < 0) throw new InvalidArgumentError(`${field} must not be negative; got ${size}.`);
}

async function queryInstances(
  deps: ClientRpcDeps,
  request: QueryInstancesRequest,
): Promise<QueryInstancesResponse> {
  const q = request.query;
  const pageSize = q?.maxInstanceCount ?? 0;
  assertPageSize(pageSize, 'maxInstanceCount');
  const createdFrom = timeOf(q?.createdTimeFrom);
  const createdTo = timeOf(q?.createdTimeTo);
  const token = nonEmpty(q?.continuationToken);
  const prefix = nonEmpty(q?.instanceIdPrefix);
  const query: InstanceQuery = {
    includePayloads: q?.fetchInputsAndOutputs ?? false,
    ...(q !== undefined && q.runtimeStatus.length > 0 && { statuses: q.runtimeStatus }),
    ...(createdFrom !== undefined && { createdFrom }),
    ...(createdTo !== undefined && { createdTo }),
    ...(prefix !== undefined && { instanceIdPrefix: prefix }),
    ...(pageSize > 0 && { pageSize }),
    ...(token !== undefined && { continuationToken: token }),
  };
  const page = await deps.client.queryInstances(query);
  return create(QueryInstancesResponseSchema, {
    orchestrationState: page.items.map(toOrchestrationState),
    ...(page.continuationToken !== undefined && { continuationToken: page.continuationToken }),
  });
}

/**
 * `lastInstanceKey` is the continuation token of the previous page. The completed-time range
 * (from inclusive, to exclusive; running instances never match) is part of the store query, so
 * every page is full until the last, and the last carries no key.
 */
async function listInstanceIds(
  deps: ClientRpcDeps,
  request: ListInstanceIdsRequest,
): Promise<ListInstanceIdsResponse> {
  assertPageSize(request.pageSize, 'pageSize');
  const token = nonEmpty(request.lastInstanceKey);
  const completedFrom = timeOf(request.completedTimeFrom);
  const completedTo = timeOf(request.completedTimeTo);
  const page = await deps.client.listInstanceIds({
    ...(request.runtimeStatus.length > 0 && { statuses: request.runtimeStatus }),
    ...(completedFrom !== undefined && { completedFrom }),
    ...(completedTo !== undefined && { completedTo }),
    ...(request.pageSize > 0 && { pageSize: request.pageSize }),
    ...(token !== undefined && { continuationToken: token }),
  });
  return create(ListInstanceIdsResponseSchema, {
    instanceIds: [...page.items],
    ...(page.continuationToken !== undefined && { lastInstanceKey: page.continuationToken }),
  });
}
