import { isDurableTaskError } from '../api/errors.js';
import { isTerminalStatus } from '../api/status.js';
import type { TaskHubClient } from '../client/task-hub-client.js';
import type { ActivityContext } from '../sdk/activity.js';
import { SCHEDULE_TAG, type StartRunOutcome, type StartRunRequest } from './schedule-state.js';

/**
 * The activity a schedule calls on each tick. Activities run at least once, so starting is
 * idempotent: a run whose id exists already counts as started, and a duplicate from a concurrent
 * retry is the same run.
 */
export function startRunActivity(client: TaskHubClient) {
  return async (_ctx: ActivityContext, request: StartRunRequest): Promise<StartRunOutcome> => {
    if (request.overlap !== 'allow-all' && request.lastRunId !== undefined) {
      const last = await client.getOrchestrationState(request.lastRunId, { fetchPayloads: false });
      if (last && !isTerminalStatus(last.status)) return request.overlap === 'skip' ? 'skipped' : 'buffered';
    }
    if (await client.getOrchestrationState(request.runId, { fetchPayloads: false })) return 'started';
    try {
      await client.scheduleNewOrchestration(request.orchestration, request.input, {
        instanceId: request.runId,
        ...(request.version !== undefined && { version: request.version }),
        tags: { [SCHEDULE_TAG]: request.scheduleId },
        // The id must be unused: a finished run of this tick is never replaced.
        reusePolicy: { replaceableStatuses: [] },
      });
    } catch (err) {
      if (!isDurableTaskError(err, 'DUPLICATE_INSTANCE')) throw err;
    }
    return 'started';
  };
}
