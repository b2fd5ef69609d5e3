import assert from 'node:assert/strict';
import { SCHEDULE_TAG, type ScheduleClient, type ScheduleInfo, type TaskHubClient } from '../../src/index.js';
import { sleep, WAIT } from './harness.js';

/** Re-reads the schedule until `accept` holds; bounded. */
export async function waitForSchedule(
  schedules: ScheduleClient,
  id: string,
  accept: (info: ScheduleInfo) => boolean,
  what: string,
): Promise<ScheduleInfo> {
  const deadline = Date.now() + WAIT.timeoutMs;
  let last: ScheduleInfo | undefined;
  while (Date.now() < deadline) {
    last = await schedules.get(id);
    if (last && accept(last)) return last;
    await sleep(25);
  }
  assert.fail(`schedule ${id} never reached ${what}; last: ${JSON.stringify(last)}`);
}

/** The ids of the runs a schedule started (each carries its tag), oldest tick first. */
export async function runsOf(client: TaskHubClient, scheduleId: string): Promise<string[]> {
  const page = await client.queryInstances({ instanceIdPrefix: `${scheduleId}@`, pageSize: 1000 });
  for (const run of page.items) assert.equal(run.tags[SCHEDULE_TAG], scheduleId);
  return page.items.map((r) => r.instanceId).sort();
}

/** The tick time a run id carries. */
export function tickOf(runId: string): number {
  return Date.parse(runId.slice(runId.lastIndexOf('@') + 1));
}

/** The tick times of a schedule's runs, in order. */
export async function runTicks(client: TaskHubClient, scheduleId: string): Promise<number[]> {
  return (await runsOf(client, scheduleId)).map(tickOf).sort((a, b) => a - b);
}
