import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DurableTaskEngine,
  OrchestrationStatus,
  Registry,
  TaskHubClient,
  type OrchestrationContext,
  type OrchestratorGenerator,
} from '../../src/index.js';
import {
  completedOutput,
  historyShape,
  scenarioSuite,
  sleep,
  uniqueId,
  waitForStatus,
  WAIT,
  type Scenario,
  type StoreFactory,
} from './harness.js';
import { postgresStore } from './postgres-store.js';
import { sqliteStore } from './sqlite-store.js';

function* waitsForGo(ctx: OrchestrationContext): OrchestratorGenerator<unknown> {
  const go: unknown = yield ctx.waitForExternalEvent('go');
  return go;
}

function* treeMiddle(ctx: OrchestrationContext, leafId: string): OrchestratorGenerator<unknown> {
  const leaf: unknown = yield ctx.callSubOrchestrator(waitsForGo, undefined, { instanceId: leafId });
  return leaf;
}

function* treeRoot(
  ctx: OrchestrationContext,
  ids: { middle: string; leaf: string },
): OrchestratorGenerator<unknown> {
  const middle: unknown = yield ctx.callSubOrchestrator(treeMiddle, ids.leaf, { instanceId: ids.middle });
  return middle;
}

// eslint-disable-next-line require-yield -- a child that completes at once
function* quickChild(_ctx: OrchestrationContext): OrchestratorGenerator<string> {
  return 'child done';
}

function* outlivesItsChild(ctx: OrchestrationContext, childId: string): OrchestratorGenerator<unknown> {
  yield ctx.callSubOrchestrator(quickChild, undefined, { instanceId: childId });
  const never: unknown = yield ctx.waitForExternalEvent('never');
  return never;
}

/** Each 'next' event starts a new generation. */
function* nextGenerationOnEvent(ctx: OrchestrationContext, generation: number): OrchestratorGenerator<void> {
  yield ctx.waitForExternalEvent('next');
  ctx.continueAsNew(generation + 1);
}

function register(registry: Registry): void {
  registry
    .addOrchestrator(waitsForGo)
    .addOrchestrator(treeMiddle)
    .addOrchestrator(treeRoot)
    .addOrchestrator(quickChild)
    .addOrchestrator(outlivesItsChild)
    .addOrchestrator(nextGenerationOnEvent);
}

/** Starts a tree root → middle → leaf and waits until the leaf runs. */
async function startTree(client: TaskHubClient): Promise<{ root: string; middle: string; leaf: string }> {
  const ids = { root: uniqueId('root'), middle: uniqueId('middle'), leaf: uniqueId('leaf') };
  await client.scheduleNewOrchestration(
    treeRoot,
    { middle: ids.middle, leaf: ids.leaf },
    { instanceId: ids.root },
  );
  await waitForStatus(client, ids.leaf, OrchestrationStatus.RUNNING);
  return ids;
}

/**
 * Terminate and an event that would continue-as-new reach the instance in one batch: the
 * instance runs one turn, its engine stops, both are enqueued, and a second engine takes over.
 */
async function terminateBeatsContinueAsNew({ factory, register: fill }: Scenario): Promise<void> {
  const store = await factory.create();
  const registry = new Registry();
  fill(registry);
  const engines: DurableTaskEngine[] = [];
  const clients: TaskHubClient[] = [];
  try {
    const first = new DurableTaskEngine({ backend: store.backend, registry });
    engines.push(first);
    await first.start();
    const id = await first.client.scheduleNewOrchestration(nextGenerationOnEvent, 0, {
      instanceId: uniqueId('terminate-vs-can'),
    });
    const running = await first.client.waitForOrchestrationStart(id, WAIT);
    await first.stop();

    const backend = store.openBackend();
    await backend.start();
    const offline = new TaskHubClient({ backend });
    clients.push(offline);
    await offline.raiseOrchestrationEvent(id, 'next');
    await offline.terminateOrchestration(id, { output: 'terminated first' });
    await offline.stop();
    await backend.stop();

    const second = new DurableTaskEngine({ backend: store.openBackend(), registry });
    engines.push(second);
    await second.start();
    clients.push(second.client);
    const done = await second.client.waitForOrchestrationCompletion(id, WAIT);
    assert.equal(done.status, OrchestrationStatus.TERMINATED);
    assert.equal(done.output, JSON.stringify('terminated first'));
    assert.equal(done.executionId, running.executionId, 'no new generation started');
    assert.equal(done.input, '0');
    const shape = await historyShape(second.client, id);
    assert.ok(shape.includes('executionTerminated'));
    assert.ok(!shape.includes('continueAsNew'));
  } finally {
    for (const client of clients) await client.stop();
    for (const engine of engines) await engine.stop();
    await store.dispose();
  }
}

export function suspendTerminateScenarios(factory: StoreFactory): void {
  scenarioSuite('suspend, resume and terminate', factory, register, (scenario) => {
    test('suspend buffers events and shows SUSPENDED; resume continues and completes', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(waitsForGo, undefined, {
        instanceId: uniqueId('suspend'),
      });
      await client.waitForOrchestrationStart(id, WAIT);
      await client.suspendOrchestration(id, 'maintenance');
      await waitForStatus(client, id, OrchestrationStatus.SUSPENDED);

      await client.raiseOrchestrationEvent(id, 'go', 'resumed value');
      await sleep(300); // time enough for the worker to take the event, which must stay buffered
      assert.equal((await client.getOrchestrationState(id))?.status, OrchestrationStatus.SUSPENDED);

      await client.resumeOrchestration(id, 'done');
      assert.equal(await completedOutput(client, id), 'resumed value');
      const shape = await historyShape(client, id);
      assert.ok(shape.indexOf('executionSuspended') < shape.indexOf('executionResumed'));
    });

    test('terminate with an output gives TERMINATED with that output', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(waitsForGo, undefined, {
        instanceId: uniqueId('terminate'),
      });
      await client.waitForOrchestrationStart(id, WAIT);
      await client.terminateOrchestration(id, { output: { reason: 'cancelled by 利用者' } });
      const state = await client.waitForOrchestrationCompletion(id, WAIT);
      assert.equal(state.status, OrchestrationStatus.TERMINATED);
      assert.deepEqual(JSON.parse(state.output ?? ''), { reason: 'cancelled by 利用者' });
      assert.ok(state.completedAt !== undefined);
    });

    test('a recursive terminate stops the whole tree of sub-orchestrations', async () => {
      const { client } = scenario();
      const ids = await startTree(client);
      await client.terminateOrchestration(ids.root, { output: 'tree stopped', recursive: true });
      for (const id of [ids.root, ids.middle, ids.leaf]) {
        const state = await client.waitForOrchestrationCompletion(id, WAIT);
        assert.equal(state.status, OrchestrationStatus.TERMINATED, `${id} is terminated`);
      }
    });

    test('a non-recursive terminate leaves the children running', async () => {
      const { client } = scenario();
      const ids = await startTree(client);
      await client.terminateOrchestration(ids.root, { recursive: false });
      assert.equal(
        (await client.waitForOrchestrationCompletion(ids.root, WAIT)).status,
        OrchestrationStatus.TERMINATED,
      );
      await sleep(300);
      assert.equal((await client.getOrchestrationState(ids.middle))?.status, OrchestrationStatus.RUNNING);
      assert.equal((await client.getOrchestrationState(ids.leaf))?.status, OrchestrationStatus.RUNNING);
      // The children still work: the leaf completes, and so does the middle with its result.
      await client.raiseOrchestrationEvent(ids.leaf, 'go', 'leaf finished');
      assert.equal(await completedOutput(client, ids.middle), 'leaf finished');
    });

    test('a recursive terminate leaves an already completed child COMPLETED', async () => {
      const { client } = scenario();
      const parentId = uniqueId('outliving-parent');
      const childId = uniqueId('completed-child');
      await client.scheduleNewOrchestration(outlivesItsChild, childId, { instanceId: parentId });
      await waitForStatus(client, childId, OrchestrationStatus.COMPLETED);
      await waitForStatus(client, parentId, OrchestrationStatus.RUNNING);
      await client.terminateOrchestration(parentId, { recursive: true });
      assert.equal(
        (await client.waitForOrchestrationCompletion(parentId, WAIT)).status,
        OrchestrationStatus.TERMINATED,
      );
      await sleep(200);
      const child = await client.getOrchestrationState(childId);
      assert.equal(child?.status, OrchestrationStatus.COMPLETED);
      assert.equal(child.output, JSON.stringify('child done'));
    });

    test('terminate beats a continue-as-new decided in the same batch', async () => {
      await terminateBeatsContinueAsNew(scenario());
    });
  });
}

suspendTerminateScenarios(sqliteStore);
if (postgresStore) suspendTerminateScenarios(postgresStore);
