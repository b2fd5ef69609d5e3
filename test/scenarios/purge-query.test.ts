import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  InstanceNotFoundError,
  NotCompletedError,
  OrchestrationStatus,
  type ActivityContext,
  type InstanceQuery,
  type InstanceState,
  type OrchestrationContext,
  type OrchestratorGenerator,
  type Registry,
  type TaskHubClient,
} from '../../src/index.js';
import {
  completedOutput,
  historyShape,
  scenarioSuite,
  sleep,
  uniqueId,
  waitForStatus,
  WAIT,
  type StoreFactory,
} from './harness.js';
import { postgresStore } from './postgres-store.js';
import { sqliteStore } from './sqlite-store.js';

function double(_ctx: ActivityContext, n: number): number {
  return n * 2;
}

function* doubles(ctx: OrchestrationContext, n: number): OrchestratorGenerator<number> {
  const doubled: number = (yield ctx.callActivity(double, n)) as number;
  return doubled;
}

/** Runs until 'finish', then completes while an hour-long timer is still queued. */
function* leavesTimerBehind(ctx: OrchestrationContext): OrchestratorGenerator<string> {
  yield ctx.waitForExternalEvent('finish');
  yield ctx.whenAny([ctx.createTimer(3600), ctx.callActivity(double, 1)]);
  return 'finished early';
}

function* twoChildren(ctx: OrchestrationContext): OrchestratorGenerator<unknown> {
  const results: unknown = yield ctx.whenAll([
    ctx.callSubOrchestrator(doubles, 1),
    ctx.callSubOrchestrator(doubles, 2),
  ]);
  return results;
}

// eslint-disable-next-line require-yield -- completes at once with its registered name
function* answersName(ctx: OrchestrationContext): OrchestratorGenerator<string> {
  return ctx.name;
}

function* runsUntilTold(ctx: OrchestrationContext): OrchestratorGenerator<unknown> {
  const told: unknown = yield ctx.waitForExternalEvent('stop');
  return told;
}

function register(registry: Registry): void {
  registry
    .addActivity(double)
    .addOrchestrator(doubles)
    .addOrchestrator(leavesTimerBehind)
    .addOrchestrator(twoChildren)
    .addNamedOrchestrator('inventory.check', answersName)
    .addNamedOrchestrator('inventory.hold', runsUntilTold)
    .addNamedOrchestrator('billing.charge', answersName);
}

async function assertGone(
  client: TaskHubClient,
  rowsFor: (id: string) => Promise<number>,
  id: string,
): Promise<void> {
  assert.equal(await client.getOrchestrationState(id), undefined, `${id} has no state`);
  await assert.rejects(client.getOrchestrationHistory(id), InstanceNotFoundError);
  assert.equal(await rowsFor(id), 0, `${id} has no rows left`);
}

export function purgeScenarios(factory: StoreFactory): void {
  scenarioSuite('purge and history', factory, register, (scenario) => {
    test('purge is refused while running; afterwards it removes instance, history and queued work', async () => {
      const { client, store } = scenario();
      const id = await client.scheduleNewOrchestration(leavesTimerBehind, undefined, {
        instanceId: uniqueId('purge'),
      });
      await client.waitForOrchestrationStart(id, WAIT);
      await assert.rejects(client.purgeOrchestration(id), NotCompletedError);
      assert.equal((await client.getOrchestrationState(id))?.status, OrchestrationStatus.RUNNING);

      await client.raiseOrchestrationEvent(id, 'finish');
      assert.equal(await completedOutput(client, id), 'finished early');
      const historyRows = (await client.getOrchestrationHistory(id)).length;
      const rows = await store.rowsFor(id);
      assert.ok(
        rows > 1 + historyRows,
        `the hour-long timer is still queued (${rows} rows, ${historyRows} history)`,
      );

      assert.equal(await client.purgeOrchestration(id), 1);
      await assertGone(client, (i) => store.rowsFor(i), id);
      await assert.rejects(client.purgeOrchestration(id), InstanceNotFoundError);
    });

    test('a recursive purge removes the sub-orchestrations; a non-recursive one keeps them', async () => {
      const { client, store } = scenario();
      const recursive = await client.scheduleNewOrchestration(twoChildren, undefined, {
        instanceId: uniqueId('tree'),
      });
      const flat = await client.scheduleNewOrchestration(twoChildren, undefined, {
        instanceId: uniqueId('flat'),
      });
      assert.deepEqual(await completedOutput(client, recursive), [2, 4]);
      assert.deepEqual(await completedOutput(client, flat), [2, 4]);

      assert.equal(await client.purgeOrchestration(recursive, { recursive: true }), 3);
      for (const id of [recursive, `${recursive}:0001`, `${recursive}:0002`]) {
        await assertGone(client, (i) => store.rowsFor(i), id);
      }
      assert.equal(await client.purgeOrchestration(flat, { recursive: false }), 1);
      const children = await client.listInstanceIds({ instanceIdPrefix: `${flat}:` });
      assert.equal(children.items.length, 2, 'the children of a non-recursive purge stay');
    });

    test('the full history of an instance is readable, in order', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(doubles, 21, { instanceId: uniqueId('history') });
      assert.equal(await completedOutput(client, id), 42);
      assert.deepEqual(await historyShape(client, id), [
        'orchestratorStarted',
        'executionStarted',
        'taskScheduled',
        'orchestratorStarted',
        'taskCompleted',
        'executionCompleted',
      ]);
      const history = await client.getOrchestrationHistory(id);
      const values = history.map((e) => e.eventType);
      const started = values.find((v) => v.case === 'executionStarted');
      const scheduled = values.find((v) => v.case === 'taskScheduled');
      const taskDone = values.find((v) => v.case === 'taskCompleted');
      const completed = values.find((v) => v.case === 'executionCompleted');
      assert.equal(started?.case === 'executionStarted' && started.value.name, 'doubles');
      assert.equal(started?.case === 'executionStarted' && started.value.input, '21');
      assert.equal(scheduled?.case === 'taskScheduled' && scheduled.value.name, 'double');
      assert.equal(taskDone?.case === 'taskCompleted' && taskDone.value.result, '42');
      assert.equal(completed?.case === 'executionCompleted' && completed.value.result, '42');
    });
  });
}

/** Seven instances: five created first (three completed, two running), then two completed. */
interface Seeded {
  readonly check: readonly string[];
  readonly hold: readonly string[];
  readonly charge: readonly string[];
  /** The created time of the first of the later two. */
  readonly laterFrom: number;
}

async function seed(client: TaskHubClient): Promise<Seeded> {
  const start = (name: string, count: number): Promise<string[]> =>
    Promise.all(
      Array.from({ length: count }, () =>
        client.scheduleNewOrchestration(name, undefined, { instanceId: uniqueId(name) }),
      ),
    );
  const check = await start('inventory.check', 3);
  const hold = await start('inventory.hold', 2);
  const earlier = await Promise.all([...check, ...hold].map((id) => client.getOrchestrationState(id)));
  const lastEarlier = Math.max(...earlier.map((state) => state?.createdAt ?? Infinity));
  while (Date.now() <= lastEarlier + 5) await sleep(5); // the later batch gets later created times
  const charge = await start('billing.charge', 2);
  for (const id of [...check, ...charge]) await completedOutput(client, id);
  for (const id of hold) await waitForStatus(client, id, OrchestrationStatus.RUNNING);
  const later = await Promise.all(charge.map((id) => client.getOrchestrationState(id)));
  const laterFrom = Math.min(...later.map((state) => state?.createdAt ?? -Infinity));
  assert.ok(laterFrom > lastEarlier, 'the later batch was created after the earlier one');
  return { check, hold, charge, laterFrom };
}

async function idsOf(client: TaskHubClient, query: InstanceQuery): Promise<string[]> {
  const page = await client.queryInstances(query);
  assert.equal(page.continuationToken, undefined, 'one page holds them all');
  return page.items.map((state) => state.instanceId).sort();
}

const sorted = (...lists: (readonly string[])[]): string[] => lists.flat().sort();

export function queryScenarios(factory: StoreFactory): void {
  let seeded: Promise<Seeded> | undefined;
  scenarioSuite(
    'queries and purge by filter',
    factory,
    register,
    (scenario) => {
      const data = (): Promise<Seeded> => (seeded ??= seed(scenario().client));

      test('query instances by status', async () => {
        const { client } = scenario();
        const { check, hold, charge } = await data();
        assert.deepEqual(
          await idsOf(client, { statuses: [OrchestrationStatus.COMPLETED] }),
          sorted(check, charge),
        );
        assert.deepEqual(await idsOf(client, { statuses: [OrchestrationStatus.RUNNING] }), sorted(hold));
        assert.deepEqual(
          await idsOf(client, { statuses: [OrchestrationStatus.RUNNING, OrchestrationStatus.COMPLETED] }),
          sorted(check, hold, charge),
        );
        assert.deepEqual(await idsOf(client, { statuses: [OrchestrationStatus.FAILED] }), []);
      });

      test('query instances by name prefix', async () => {
        const { client } = scenario();
        const { check, hold, charge } = await data();
        assert.deepEqual(await idsOf(client, { namePrefix: 'inventory.' }), sorted(check, hold));
        assert.deepEqual(await idsOf(client, { namePrefix: 'inventory.c' }), sorted(check));
        assert.deepEqual(await idsOf(client, { namePrefix: 'billing' }), sorted(charge));
        assert.deepEqual(await idsOf(client, { namePrefix: 'nothing' }), []);
      });

      test('query instances by created-time range (from inclusive, to exclusive)', async () => {
        const { client } = scenario();
        const { check, hold, charge, laterFrom } = await data();
        assert.deepEqual(await idsOf(client, { createdFrom: laterFrom }), sorted(charge));
        assert.deepEqual(await idsOf(client, { createdTo: laterFrom }), sorted(check, hold));
        assert.deepEqual(
          await idsOf(client, { createdTo: laterFrom, statuses: [OrchestrationStatus.RUNNING] }),
          sorted(hold),
        );
      });

      test('queries page with continuation tokens and include payloads on request', async () => {
        const { client } = scenario();
        const { check, hold, charge } = await data();
        const seen: InstanceState[] = [];
        let token: string | undefined;
        let pages = 0;
        do {
          const page = await client.queryInstances({
            pageSize: 2,
            includePayloads: true,
            ...(token !== undefined && { continuationToken: token }),
          });
          assert.ok(page.items.length <= 2);
          seen.push(...page.items);
          token = page.continuationToken;
          pages++;
        } while (token !== undefined && pages < 20);
        assert.deepEqual(
          seen.map((s) => s.instanceId).sort(),
          sorted(check, hold, charge),
          'each instance once',
        );
        assert.ok(pages >= 4, `seven instances in pages of two take at least four pages, got ${pages}`);
        const charged = seen.find((s) => s.instanceId === charge[0]);
        assert.equal(charged?.output, JSON.stringify('billing.charge'));

        const all: string[] = [];
        for await (const state of client.allInstances({ pageSize: 3, includePayloads: false })) {
          assert.equal(state.output, undefined, 'no payloads unless asked for');
          all.push(state.instanceId);
        }
        assert.deepEqual(all.sort(), sorted(check, hold, charge));
      });

      test('list instance ids with paging', async () => {
        const { client } = scenario();
        const { check, hold, charge } = await data();
        const ids: string[] = [];
        let token: string | undefined;
        let pages = 0;
        do {
          const page = await client.listInstanceIds({
            pageSize: 3,
            ...(token !== undefined && { continuationToken: token }),
          });
          assert.ok(page.items.length <= 3);
          ids.push(...page.items);
          token = page.continuationToken;
          pages++;
        } while (token !== undefined && pages < 20);
        assert.deepEqual(ids.sort(), sorted(check, hold, charge));
        assert.ok(pages >= 3, `seven ids in pages of three take at least three pages, got ${pages}`);
      });

      // Last: it deletes what the tests above query.
      test('purge by filter deletes the matching completed instances only', async () => {
        const { client } = scenario();
        const { check, hold, laterFrom } = await data();
        assert.equal(
          await client.purgeOrchestrations({
            createdFrom: laterFrom,
            statuses: [OrchestrationStatus.COMPLETED],
          }),
          2,
        );
        assert.deepEqual(await idsOf(client, {}), sorted(check, hold));
        assert.equal(await client.purgeOrchestrations({}), 3, 'running instances are never purged');
        assert.deepEqual(await idsOf(client, {}), sorted(hold));
      });
    },
    { sequential: true },
  );
}

purgeScenarios(sqliteStore);
queryScenarios(sqliteStore);
if (postgresStore) purgeScenarios(postgresStore);
if (postgresStore) queryScenarios(postgresStore);
