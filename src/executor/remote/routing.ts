import {
  WorkerCapability,
  type ActivityRequest,
  type GetWorkItemsRequest,
  type OrchestratorRequest,
} from '../../proto/orchestrator_service_pb.js';

/**
 * Which work a stream accepts and how much of it at once, compiled from its GetWorkItemsRequest.
 *
 * Filters follow the SDKs' documented meaning ("only work items matching these filters are
 * dispatched; with no filters, all of them"): a request without filters, or with all lists empty,
 * accepts everything; once any list is given, a kind whose list is empty gets none. A worker that
 * filters on activities only must not receive orchestrations it has not registered (the SDKs fail
 * such an orchestration instead of leaving it).
 */
export interface StreamOptions {
  /** `undefined`: every orchestration. Otherwise name → accepted versions (empty: any version). */
  readonly orchestrations: ReadonlyMap<string, readonly string[]> | undefined;
  readonly activities: ReadonlyMap<string, readonly string[]> | undefined;
  /** Most orchestration items outstanding on the stream at once; 0 = no limit. */
  readonly maxOrchestrations: number;
  /** Most activity items outstanding on the stream at once; 0 = no limit. */
  readonly maxActivities: number;
  /** The worker reads large histories with StreamInstanceHistory (see history-streaming.ts). */
  readonly historyStreaming?: boolean;
}

export const ACCEPT_EVERYTHING: StreamOptions = {
  orchestrations: undefined,
  activities: undefined,
  maxOrchestrations: 0,
  maxActivities: 0,
};

export function streamOptionsFromRequest(request: GetWorkItemsRequest): StreamOptions {
  const filters = request.workItemFilters;
  const filtered =
    filters !== undefined &&
    (filters.orchestrations.length > 0 || filters.activities.length > 0 || filters.entities.length > 0);
  const toMap = (list: readonly { name: string; versions: string[] }[]) =>
    new Map(list.map((f) => [f.name, [...f.versions]] as const));
  return {
    orchestrations: filtered ? toMap(filters.orchestrations) : undefined,
    activities: filtered ? toMap(filters.activities) : undefined,
    maxOrchestrations: Math.max(0, request.maxConcurrentOrchestrationWorkItems),
    maxActivities: Math.max(0, request.maxConcurrentActivityWorkItems),
    historyStreaming: request.capabilities.includes(WorkerCapability.HISTORY_STREAMING),
  };
}

/** What routing needs to know about one work item. */
export interface RouteTarget {
  readonly kind: 'orchestrator' | 'activity';
  /** Orchestration or activity name; '' when the request does not say. */
  readonly name: string;
  readonly version: string;
}

/** The orchestration's name and version come from its ExecutionStarted event (the request has none). */
export function orchestratorTarget(request: OrchestratorRequest): RouteTarget {
  for (const event of [...request.pastEvents, ...request.newEvents]) {
    if (event.eventType.case === 'executionStarted') {
      const started = event.eventType.value;
      return { kind: 'orchestrator', name: started.name, version: started.version ?? '' };
    }
  }
  return { kind: 'orchestrator', name: '', version: '' };
}

export function activityTarget(request: ActivityRequest): RouteTarget {
  return { kind: 'activity', name: request.name, version: request.version ?? '' };
}

export function accepts(options: StreamOptions, target: RouteTarget): boolean {
  const filter = target.kind === 'orchestrator' ? options.orchestrations : options.activities;
  if (filter === undefined) return true;
  const versions = filter.get(target.name);
  if (versions === undefined) return false;
  return versions.length === 0 || versions.includes(target.version);
}
