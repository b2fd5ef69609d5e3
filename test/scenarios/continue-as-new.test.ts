import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type OrchestrationContext, type OrchestratorGenerator, type Registry } from '../../src/index.js';
import {
  completedOutput,
  historyShape,
  scenarioSuite,
  sleep,
  uniqueId,
  type StoreFactory,
} from './harness.js';
import { postgresStore } from './postgres-store.js';
import { sqliteStore } from './sqlite-store.js';

/** Counts generations: each waits on a zero timer, then continues as new with n + 1 until 10. */
function* countToTen(ctx: OrchestrationContext, n: number): OrchestratorGenerator<string | undefined> {
  yield ctx.createTimer(0);
  if (n < 10) {
    ctx.continueAsNew(n + 1);
    return undefined;
  }
  return `reached ${n} in execution ${ctx.executionId}`;
}

/** Takes one 'item' per generation, keeping the rest for the next one, until it has five. */
function* collectFive(ctx: OrchestrationContext, items: string[]): OrchestratorGenerator<string[]> {
  if (items.length === 5) return items;
  const item: unknown = yield ctx.waitForExternalEvent('item');
  ctx.continueAsNew([...items, String(item)], true);
  return items;
}

function register(registry: Registry): void {
  registry.addOrchestrator(countToTen).addOrchestrator(collectFive);
}

export function continueAsNewScenarios(factory: StoreFactory): void {
  scenarioSuite('continue-as-new', factory, register, (scenario) => {
    test('continue-as-new ten times ends with the right output and only the last history', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(countToTen, 0, { instanceId: uniqueId('count') });
      const firstExecution = (await client.getOrchestrationState(id))?.executionId;
      const output = await completedOutput(client, id);
      const state = await client.getOrchestrationState(id);
      assert.ok(state);
      assert.equal(output, `reached 10 in execution ${state.executionId}`);
      assert.notEqual(state.executionId, firstExecution, 'each generation is a new execution');
      assert.equal(state.input, '10');
      const history = await client.getOrchestrationHistory(id);
      const starts = history.filter((e) => e.eventType.case === 'executionStarted');
      assert.equal(starts.length, 1, 'the history holds the last generation only');
      const start = starts[0]?.eventType;
      assert.equal(start?.case === 'executionStarted' ? start.value.input : undefined, '10');
    });

    test('with saveEvents, events raised between generations are carried over and none is lost', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(collectFive, [], { instanceId: uniqueId('carry') });
      await client.waitForOrchestrationStart(id);
      // Three at once (two of them must be carried over), then two more as generations turn over.
      await Promise.all(['i1', 'i2', 'i3'].map((item) => client.raiseOrchestrationEvent(id, 'item', item)));
      for (const item of ['i4', 'i5']) {
        await sleep(15);
        await client.raiseOrchestrationEvent(id, 'item', item);
      }
      assert.deepEqual(await completedOutput(client, id), ['i1', 'i2', 'i3', 'i4', 'i5']);
      assert.ok((await historyShape(client, id)).includes('executionCompleted'));
    });
  });
}

continueAsNewScenarios(sqliteStore);
if (postgresStore) continueAsNewScenarios(postgresStore);
