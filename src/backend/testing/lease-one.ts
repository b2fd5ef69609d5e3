import type { ActivityWorkItem, Backend, LeaseOptions, OrchestrationWorkItem } from '../backend.js';

/** The next orchestration work item (a lease of at most one), or undefined. */
export async function leaseOrchestration(
  backend: Pick<Backend, 'leaseOrchestrationWorkItems'>,
  options: LeaseOptions,
): Promise<OrchestrationWorkItem | undefined> {
  return (await backend.leaseOrchestrationWorkItems(options, 1))[0];
}

/** The next activity work item (a lease of at most one), or undefined. */
export async function leaseActivity(
  backend: Pick<Backend, 'leaseActivityWorkItems'>,
  options: LeaseOptions,
): Promise<ActivityWorkItem | undefined> {
  return (await backend.leaseActivityWorkItems(options, 1))[0];
}
