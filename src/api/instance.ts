import type { TaskFailureDetails } from '../proto/orchestrator_service_pb.js';
import type { OrchestrationStatus } from './status.js';

/** What a client sees of one orchestration instance. Times are epoch milliseconds. */
export interface InstanceState {
  readonly instanceId: string;
  readonly name: string;
  readonly version?: string;
  readonly executionId: string;
  readonly status: OrchestrationStatus;
  readonly createdAt: number;
  readonly lastUpdatedAt: number;
  /** When the first turn ran (the OrchestratorStarted of the first turn); absent while pending. */
  readonly startedAt?: number;
  readonly completedAt?: number;
  /** When the instance may start; absent when it may start at once. */
  readonly scheduledStartAt?: number;
  /** JSON payloads: absent when not set or when payloads were not requested. */
  readonly input?: string;
  readonly output?: string;
  readonly customStatus?: string;
  readonly failureDetails?: TaskFailureDetails;
  readonly parentInstanceId?: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** Filter of a query over instances. All fields are optional; absent means "any". */
export interface InstanceQuery {
  readonly statuses?: readonly OrchestrationStatus[];
  readonly createdFrom?: number;
  /** Exclusive upper bound on the created time. */
  readonly createdTo?: number;
  readonly instanceIdPrefix?: string;
  readonly namePrefix?: string;
  /** Only instances completed at or after this time (epoch ms); running ones never match. */
  readonly completedFrom?: number;
  /** Exclusive upper bound on the completed time; running instances never match. */
  readonly completedTo?: number;
  /** Page size; default 100. */
  readonly pageSize?: number;
  /** From a previous page; absent for the first page. Opaque. */
  readonly continuationToken?: string;
  readonly includePayloads?: boolean;
}

export interface InstancePage<T> {
  readonly items: readonly T[];
  /** Present when more items may follow. */
  readonly continuationToken?: string;
}

/** Filter of a purge over instances; only completed (terminal) instances are purged. */
export interface PurgeFilter {
  readonly createdFrom?: number;
  readonly createdTo?: number;
  readonly statuses?: readonly OrchestrationStatus[];
  /** Only instances completed before this time (epoch ms): what a retention policy purges. */
  readonly completedTo?: number;
  /** At most this many instances, the oldest created first (a batch); default all. */
  readonly limit?: number;
}

/** What a purge bounded in time did. */
export interface PurgeResult {
  readonly deletedInstanceCount: number;
  /** False when time ran out before every matching instance was purged: purge again for the rest. */
  readonly isComplete: boolean;
}
