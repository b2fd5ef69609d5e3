// Queries and tags as @microsoft/durabletask-js 0.4.0 uses them against the Durable Task
// Scheduler, through the real client and worker, on every store.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import {
  HistoryEventType,
  OrchestrationStatus,
  type ActivityContext,
  type OrchestrationContext,
  type TaskHubGrpcWorker,
  type TaskScheduledEvent,
} from '@microsoft/durabletask-js';
import type { StoreFactory } from '../scenarios/harness.js';
import { postgresStore } from '../scenarios/postgres-store.js';
import { sqliteStore } from '../scenarios/sqlite-store.js';
import { sdkSuite, type SdkEnv } from './store-sidecar.js';

const WAIT_S = 30;

function tagged(_ctx: ActivityContext, key: string): string {
  return key;
}
// eslint-disable-next-line require-yield -- ends in its first step
async function* quick(_ctx: OrchestrationContext, input: string): AsyncGenerator<unknown, string, unknown> {
  return input;
}
async function* waits(ctx: OrchestrationContext): AsyncGenerator<unknown, unknown, unknown> {
  return yield ctx.waitForExternalEvent('release');
}
async function* tagsEverything(
  ctx: OrchestrationContext,
  key: string,
): AsyncGenerator<unknown, string, string> {
  yield ctx.callActivity(tagged, key, { tags: { step: 'activity', key } });
  return yield ctx.callSubOrchestrator(quick, key, {
    instanceId: `${ctx.instanceId}-child`,
    tags: { step: 'child' },
  });
}

function register(worker: TaskHubGrpcWorker): void {
  for (const orchestrator of [quick, waits, tagsEverything]) worker.addOrchestrator(orchestrator);
  worker.addActivity(tagged);
}

function querySuite(factory: StoreFactory): void {
  sdkSuite('queries and tags as the SDKs use them', factory, register, (env: () => SdkEnv) => {
    test('listInstanceIds with a completed-time window: full pages until the last, no empty page with a key', async () => {
      const { client } = env();
      // Instances outside the window: completed before it, and one still running.
      for (let n = 0; n < 5; n++) {
        const id = await client.scheduleNewOrchestration(quick, `before-${n}`);
        await client.waitForOrchestrationCompletion(id, false, WAIT_S);
      }
      const running = await client.scheduleNewOrchestration(waits);
      await client.waitForOrchestrationStart(running, false, WAIT_S);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const from = new Date();
      const inside: string[] = [];
      for (let n = 0; n < 5; n++) {
        const id = await client.scheduleNewOrchestration(quick, `inside-${n}`);
        await client.waitForOrchestrationCompletion(id, false, WAIT_S);
        inside.push(id);
      }
      const to = new Date(Date.now() + 1);

      const pages: string[][] = [];
      let key: string | undefined;
      do {
        const page = await client.listInstanceIds({
          completedTimeFrom: from,
          completedTimeTo: to,
          pageSize: 2,
          ...(key !== undefined && { lastInstanceKey: key }),
        });
        pages.push([...page.values]);
        key = page.continuationToken;
        assert.ok(page.values.length > 0 || key === undefined, 'an empty page carries no key');
        assert.ok(pages.length <= 10, 'paging ends');
      } while (key !== undefined);
      assert.deepEqual(
        pages.map((page) => page.length),
        [2, 2, 1],
      );
      assert.deepEqual(pages.flat().sort(), [...inside].sort());
      await client.terminateOrchestration(running, 'done');
    });

    test('tags on instances, activities and sub-orchestrations are stored and returned', async () => {
      const { client } = env();
      const key = `tags-${randomUUID()}`;
      const id = await client.scheduleNewOrchestration(tagsEverything, key, { tags: { team: 'núcleo' } });
      const state = await client.waitForOrchestrationCompletion(id, true, WAIT_S);
      assert.equal(state?.runtimeStatus, OrchestrationStatus.COMPLETED);
      assert.deepEqual(state?.tags, { team: 'núcleo' });

      const scheduled = (await client.getOrchestrationHistory(id)).find(
        (event): event is TaskScheduledEvent => event.type === HistoryEventType.TaskScheduled,
      );
      assert.deepEqual(scheduled?.tags, { step: 'activity', key });

      const child = await client.getOrchestrationState(`${id}-child`);
      assert.deepEqual(child?.tags, { step: 'child' });
    });
  });
}

querySuite(sqliteStore);
if (postgresStore) querySuite(postgresStore);
