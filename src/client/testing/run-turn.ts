import type { InstanceState } from '../../api/instance.js';
import type { Backend, OrchestrationWorkItem } from '../../backend/backend.js';
import type { InstanceSummary } from '../../runtime/turn.js';
import { leaseOrchestration } from '../../backend/testing/lease-one.js';

/** Lease long enough that no test outlives it. */
const TEST_LOCK_MS = 60_000;

/**
 * Runs one orchestration turn of `instanceId` through the Backend interface, as a worker would:
 * leases its work item, records the consumed inbox events as history and commits `changes` on
 * top of the current instance summary. Other instances leased on the way are abandoned with no
 * delay. Works on any conforming backend; throws when the instance has no visible work.
 */
export async function runTurn(
  backend: Backend,
  instanceId: string,
  changes: Partial<InstanceSummary>,
): Promise<void> {
  const others: OrchestrationWorkItem[] = [];
  try {
    for (;;) {
      const item = await leaseOrchestration(backend, { lockDurationMs: TEST_LOCK_MS });
      if (item === undefined) throw new Error(`No visible work for instance '${instanceId}'.`);
      if (item.instanceId !== instanceId) {
        others.push(item);
        continue;
      }
      const state = await backend.getInstance(instanceId, true);
      if (state === undefined) throw new Error(`Instance '${instanceId}' vanished.`);
      await backend.commitOrchestrationTurn(item, {
        instanceId,
        summary: { ...summaryOf(state), ...changes },
        historyEvents: item.newEvents,
        historyReplaced: false,
        activities: [],
        timers: [],
        messages: [],
        requeue: [],
      });
      return;
    }
  } finally {
    for (const other of others) await backend.abandonOrchestrationWorkItem(other, 0);
  }
}

function summaryOf(state: InstanceState): InstanceSummary {
  const { instanceId: _id, createdAt: _c, lastUpdatedAt: _u, scheduledStartAt: _s, ...summary } = state;
  return summary;
}
