import type { TaskHubClient } from '../../src/index.js';
import type { ActivityRunRow, TurnRow } from './execution-log.js';
import { runIdOfResult } from './pipeline.js';

/**
 * The checks of the scale-out tests, each returning the violations it found (empty: holds), so a
 * failure lists every broken instance at once.
 */

type HistoryEvent = Awaited<ReturnType<TaskHubClient['getOrchestrationHistory']>>[number];

export interface HistoryFacts {
  readonly turns: number;
  /** Task id → the run id carried by its recorded result. */
  readonly resultRuns: ReadonlyMap<number, number | undefined>;
}

/**
 * One start, one completion, every TaskScheduled id once, exactly one TaskCompleted for each of
 * them and none for anything else, no failed task; `expectedTasks` tasks in all.
 */
export function checkHistory(
  instanceId: string,
  history: readonly HistoryEvent[],
  expectedTasks: number,
  violations: string[],
): HistoryFacts {
  const count = (kind: HistoryEvent['eventType']['case']): number =>
    history.filter((event) => event.eventType.case === kind).length;
  const problem = (what: string): void => void violations.push(`${instanceId}: ${what}`);

  if (count('executionStarted') !== 1) problem(`${count('executionStarted')} ExecutionStarted events`);
  if (count('executionCompleted') !== 1) problem(`${count('executionCompleted')} ExecutionCompleted events`);
  if (count('taskFailed') !== 0) problem(`${count('taskFailed')} TaskFailed events`);

  const scheduled = new Set<number>();
  const resultRuns = new Map<number, number | undefined>();
  for (const event of history) {
    if (event.eventType.case === 'taskScheduled') {
      if (scheduled.has(event.eventId)) problem(`task ${event.eventId} scheduled twice`);
      scheduled.add(event.eventId);
    } else if (event.eventType.case === 'taskCompleted') {
      const { taskScheduledId, result } = event.eventType.value;
      if (!scheduled.has(taskScheduledId)) problem(`a result for task ${taskScheduledId}, never scheduled`);
      if (resultRuns.has(taskScheduledId)) problem(`task ${taskScheduledId} has two results`);
      resultRuns.set(taskScheduledId, runIdOfResult(result));
    }
  }
  if (scheduled.size !== expectedTasks)
    problem(`${scheduled.size} tasks scheduled, expected ${expectedTasks}`);
  for (const taskId of scheduled) if (!resultRuns.has(taskId)) problem(`task ${taskId} has no result`);
  return { turns: count('orchestratorStarted'), resultRuns };
}

/** Every recorded result came from a run of that very task that the side table knows. */
export function checkResultsCameFromRuns(
  instanceId: string,
  facts: HistoryFacts,
  runsById: ReadonlyMap<number, ActivityRunRow>,
  violations: string[],
): void {
  for (const [taskId, runId] of facts.resultRuns) {
    const run = runId === undefined ? undefined : runsById.get(runId);
    if (!run || run.instanceId !== instanceId || run.taskId !== taskId) {
      violations.push(
        `${instanceId}: the result of task ${taskId} names run ${runId}, not a run of that task`,
      );
    }
  }
}

interface Interval {
  readonly turn: TurnRow;
  readonly end: number;
}

/**
 * No two turns of one instance ran at once. Counted: committed and abandoned turns (their lease
 * was held from start to end), and the turns the killed process never finished (it held their
 * lease until it died at `killedAt`). Not counted: turns whose commit failed (a lost lease may
 * legitimately overlap the next holder; the failed commit is what keeps that safe).
 */
export function checkTurnsNeverOverlap(
  turns: readonly TurnRow[],
  killed: { readonly process: string; readonly at: number },
  violations: string[],
): void {
  const byInstance = new Map<string, Interval[]>();
  for (const turn of turns) {
    let end: number | undefined;
    if (turn.outcome === 'committed' || turn.outcome === 'abandoned') end = turn.endedAt ?? undefined;
    else if (turn.outcome === null && turn.process === killed.process) end = turn.endedAt ?? killed.at;
    else if (turn.outcome === null) violations.push(`turn ${turn.id} of ${turn.process} never finished`);
    if (end === undefined) continue;
    const list = byInstance.get(turn.instanceId) ?? [];
    list.push({ turn, end });
    byInstance.set(turn.instanceId, list);
  }
  for (const [instanceId, intervals] of byInstance) {
    intervals.sort((a, b) => a.turn.startedAt - b.turn.startedAt);
    for (let index = 1; index < intervals.length; index += 1) {
      const previous = intervals[index - 1]!;
      const next = intervals[index]!;
      if (next.turn.startedAt < previous.end) {
        violations.push(
          `${instanceId}: turn ${next.turn.id} (${next.turn.process}) started at ${next.turn.startedAt}, ` +
            `before turn ${previous.turn.id} (${previous.turn.process}) ended at ${previous.end}`,
        );
      }
    }
  }
}
