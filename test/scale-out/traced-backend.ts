import type { ActivityWorkItem, Backend, LeaseOptions, OrchestrationWorkItem } from '../../src/index.js';
import type { TurnOutcome } from './execution-log.js';

/** Where the traced backend records turn boundaries (the side table, in the tests). */
export interface TurnRecorder {
  turnStarted(instanceId: string, at: number): Promise<number>;
  turnEnded(turnId: number, at: number): Promise<void>;
  turnOutcome(turnId: number, outcome: TurnOutcome): Promise<void>;
}

/** What one engine process has in hand and has done, as it reports it. */
export interface Progress {
  readonly turnsInFlight: number;
  readonly activitiesInFlight: number;
  readonly turnsCommitted: number;
  readonly activitiesCompleted: number;
}

type BackendOverrides = Pick<
  Backend,
  | 'leaseOrchestrationWorkItems'
  | 'commitOrchestrationTurn'
  | 'abandonOrchestrationWorkItem'
  | 'leaseActivityWorkItems'
  | 'completeActivityWorkItem'
  | 'abandonActivityWorkItem'
>;

/**
 * Wraps a backend so that every orchestration turn is recorded from the moment its lease reaches
 * the worker (start) to the moment the worker asks to commit it (end), and the work in flight is
 * reported after every change. The recorded interval lies inside the interval the instance was
 * leased, so two recorded turns of one instance that overlap mean two processes held it at once.
 * Each record is written before the work it describes goes on, so a process killed mid-turn
 * leaves the start of that turn behind.
 */
export function tracedBackend(
  inner: Backend,
  recorder: TurnRecorder,
  onProgress: (progress: Progress) => void,
): Backend {
  const turnIds = new Map<string, number>();
  let turnsInFlight = 0;
  let activitiesInFlight = 0;
  let turnsCommitted = 0;
  let activitiesCompleted = 0;
  const report = (): void =>
    onProgress({ turnsInFlight, activitiesInFlight, turnsCommitted, activitiesCompleted });

  async function endTurn(
    item: OrchestrationWorkItem,
    settle: () => Promise<void>,
    outcomeOnSuccess: TurnOutcome,
  ): Promise<void> {
    const turnId = turnIds.get(item.lockToken);
    if (turnId !== undefined) await recorder.turnEnded(turnId, Date.now());
    let outcome: TurnOutcome = 'failed';
    try {
      await settle();
      outcome = outcomeOnSuccess;
      if (outcome === 'committed') turnsCommitted += 1;
    } finally {
      if (turnId !== undefined) {
        turnIds.delete(item.lockToken);
        turnsInFlight -= 1;
        await recorder.turnOutcome(turnId, outcome);
      }
      report();
    }
  }

  async function endActivity(settle: () => Promise<void>, completes: boolean): Promise<void> {
    try {
      await settle();
      if (completes) activitiesCompleted += 1;
    } finally {
      activitiesInFlight -= 1;
      report();
    }
  }

  async function startTurn(item: OrchestrationWorkItem): Promise<void> {
    turnIds.set(item.lockToken, await recorder.turnStarted(item.instanceId, Date.now()));
    turnsInFlight += 1;
    report();
  }

  function startActivities(count: number): void {
    activitiesInFlight += count;
    if (count > 0) report();
  }

  const overrides: BackendOverrides = {
    async leaseOrchestrationWorkItems(options: LeaseOptions, max: number) {
      const items = await inner.leaseOrchestrationWorkItems(options, max);
      for (const item of items) await startTurn(item);
      return items;
    },
    commitOrchestrationTurn: (item, result) =>
      endTurn(item, () => inner.commitOrchestrationTurn(item, result), 'committed'),
    abandonOrchestrationWorkItem: (item, delayMs) =>
      endTurn(item, () => inner.abandonOrchestrationWorkItem(item, delayMs), 'abandoned'),
    async leaseActivityWorkItems(options: LeaseOptions, max: number) {
      const items = await inner.leaseActivityWorkItems(options, max);
      startActivities(items.length);
      return items;
    },
    completeActivityWorkItem: (item: ActivityWorkItem, result) =>
      endActivity(() => inner.completeActivityWorkItem(item, result), true),
    abandonActivityWorkItem: (item: ActivityWorkItem, delayMs) =>
      endActivity(() => inner.abandonActivityWorkItem(item, delayMs), false),
  };

  return new Proxy(inner, {
    get(target, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof BackendOverrides];
      const value: unknown = Reflect.get(target, property, target);
      // Methods run on the real backend (its private fields are not reachable through a proxy).
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
