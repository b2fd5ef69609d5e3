// Schedules on a sidecar: the schedule itself runs inside the sidecar, its runs go to the
// connected @microsoft/durabletask-js worker like any other orchestration.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  OrchestrationStatus,
  type ActivityContext,
  type OrchestrationContext,
} from '@microsoft/durabletask-js';
import { ScheduleClient } from '../../src/index.js';
import { runsOf, waitForSchedule } from '../scenarios/schedule-helpers.js';
import { startTestSidecar, type TestSidecar } from './harness.js';
import { connectSdk, type SdkConnection } from './sdk-connection.js';

function stamp(_ctx: ActivityContext, input: string): string {
  return `ran ${input}`;
}
async function* nightly(ctx: OrchestrationContext, input: string): AsyncGenerator<unknown, string, string> {
  return yield ctx.callActivity(stamp, input);
}

let env: TestSidecar;
let sdk: SdkConnection;

before(async () => {
  env = await startTestSidecar();
  sdk = await connectSdk(env, (w) => {
    w.addOrchestrator(nightly);
    w.addActivity(stamp);
  });
});

after(async () => {
  await sdk?.close();
  await env?.close();
});

test('a schedule on the sidecar starts runs that the SDK worker executes', async () => {
  const schedules = new ScheduleClient(env.sidecar.client);
  await schedules.create('sdk-runs', { intervalMs: 300, orchestration: 'nightly', input: 'x' });
  await waitForSchedule(schedules, 'sdk-runs', (s) => s.counts.started >= 2, 'two runs');
  await schedules.delete('sdk-runs');
  const runs = await runsOf(env.sidecar.client, 'sdk-runs');
  assert.ok(runs.length >= 2);
  for (const run of runs) {
    const state = await sdk.client.waitForOrchestrationCompletion(run, true, 30);
    assert.equal(state?.runtimeStatus, OrchestrationStatus.COMPLETED);
    assert.equal(state?.serializedOutput, JSON.stringify('ran x'));
  }
});
