import type { Backend, OrchestrationWorkItem } from '../backend/backend.js';
import type { Executor } from '../executor/executor.js';
import { applyResponse, planTurn, type TurnInput, type TurnPlan } from '../runtime/index.js';
import type { TurnResult } from '../runtime/turn.js';
import type { Clock } from '../loop/clock.js';
import type { HistoryCache } from './history-cache.js';
import { SILENT_LOGGER, type LogSink } from '../logging/logger.js';

/**
 * One orchestration turn, from a leased work item to its commit:
 * load the history → plan the turn → (run user code through the executor → apply its response)
 * → commit in one transaction, checked against the lease token.
 *
 * The promise resolves once committed, rejects with LockLostError when the store refused the
 * commit because the lease was lost, and with any other error when the turn failed (the worker
 * then abandons the item and it is retried). `signal` aborts the wait for user code.
 */

export interface OrchestrationTurnDeps {
  readonly backend: Backend;
  readonly executor: Executor;
  readonly clock: Clock;
  readonly logger?: LogSink;
  /** New execution ids (sub-orchestrations, continue-as-new); default: the runtime's. */
  readonly newId?: () => string;
  /**
   * Histories kept after commits, used when a work item proves (by its historyVersion) that the
   * store holds the same one. Default: none, every turn reads its history.
   */
  readonly historyCache?: HistoryCache;
}

export function createOrchestrationTurnRunner(
  deps: OrchestrationTurnDeps,
): (item: OrchestrationWorkItem, signal: AbortSignal) => Promise<void> {
  const { backend, executor, clock } = deps;
  const logger = deps.logger ?? SILENT_LOGGER;
  const options = deps.newId ? { newId: deps.newId } : {};

  const cache = deps.historyCache;

  const runTurn = async (item: OrchestrationWorkItem, signal: AbortSignal): Promise<void> => {
    const history =
      cache?.get(item.instanceId, item.historyVersion) ?? (await backend.getHistory(item.instanceId));
    signal.throwIfAborted();
    const input: TurnInput = {
      instanceId: item.instanceId,
      pastEvents: history,
      newEvents: item.newEvents,
      now: clock.now(),
    };
    let plan: TurnPlan = planTurn(input, options);
    if (plan.kind === 'commit') {
      // No user code runs, so nothing reports a custom status: keep the stored one. Only these
      // (rare) turns pay for reading it.
      const instance = await backend.getInstance(item.instanceId, true);
      if (instance?.customStatus !== undefined) {
        plan = planTurn({ ...input, customStatus: instance.customStatus }, options);
      }
    }
    for (const { event, reason } of plan.dropped) {
      logger.debug(
        { instanceId: item.instanceId, eventType: event.eventType.case, reason },
        'orchestration turn: inbox event not recorded',
      );
    }
    let result: TurnResult;
    if (plan.kind === 'commit') result = plan.result;
    else {
      const response = await executor.executeOrchestrator(plan.request, signal);
      result = applyResponse(plan, response, clock.now());
    }
    await backend.commitOrchestrationTurn(item, result);
    if (cache && item.nextHistoryVersion !== undefined) {
      cache.store(
        item.instanceId,
        item.nextHistoryVersion,
        history,
        result.historyEvents,
        result.historyReplaced,
      );
    }
  };

  if (!cache) return runTurn;
  return async (item, signal) => {
    try {
      await runTurn(item, signal);
    } catch (err) {
      // Lost, failed or aborted: whatever the store holds now, this process did not write it.
      cache.delete(item.instanceId);
      throw err;
    }
  };
}
