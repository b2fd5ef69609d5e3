import type { ActivityWorkItem, Backend, OrchestrationWorkItem } from '../backend/backend.js';
import type { WorkSource } from './work-loop/work-source.js';

/** Processes one leased item to its end (see WorkSource.process). */
export type ProcessWorkItem<T> = (item: T, signal: AbortSignal) => Promise<void>;

export interface OrchestrationSourceOptions {
  readonly lockDurationMs: number;
  readonly maxEventsPerTurn: number;
}

/** The orchestration worker's view of the store: leases turns, processes them with `runTurn`. */
export function orchestrationWorkSource(
  backend: Backend,
  options: OrchestrationSourceOptions,
  runTurn: ProcessWorkItem<OrchestrationWorkItem>,
): WorkSource<OrchestrationWorkItem> {
  const { lockDurationMs, maxEventsPerTurn } = options;
  const leaseOptions = { lockDurationMs, maxEvents: maxEventsPerTurn };
  return {
    lease: () => backend.leaseOrchestrationWorkItems(leaseOptions, 1).then((items) => items[0]),
    leaseMany: (max: number) => backend.leaseOrchestrationWorkItems(leaseOptions, max),
    renew: (item) => backend.renewOrchestrationLease(item, lockDurationMs),
    abandon: (item, delayMs) => backend.abandonOrchestrationWorkItem(item, delayMs),
    nextDueTime: () => backend.nextDueTime(),
    process: runTurn,
    describe: (item) => ({
      instanceId: item.instanceId,
      events: item.newEvents.length,
      attempt: item.attempt,
    }),
  };
}

/** The activity worker's view of the store: leases tasks, processes them with `runActivity`. */
export function activityWorkSource(
  backend: Backend,
  options: { readonly lockDurationMs: number },
  runActivity: ProcessWorkItem<ActivityWorkItem>,
): WorkSource<ActivityWorkItem> {
  const { lockDurationMs } = options;
  return {
    lease: () => backend.leaseActivityWorkItems({ lockDurationMs }, 1).then((items) => items[0]),
    leaseMany: (max: number) => backend.leaseActivityWorkItems({ lockDurationMs }, max),
    renew: (item) => backend.renewActivityLease(item, lockDurationMs),
    abandon: (item, delayMs) => backend.abandonActivityWorkItem(item, delayMs),
    nextDueTime: () => backend.nextDueTime(),
    process: runActivity,
    describe: (item) => ({ instanceId: item.instanceId, taskId: item.taskId, attempt: item.attempt }),
  };
}
