import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  OrchestrationStatus,
  type OrchestrationContext,
  type OrchestratorGenerator,
  type Registry,
} from '../../src/index.js';
import { completedOutput, scenarioSuite, uniqueId, WAIT, type StoreFactory } from './harness.js';
import { postgresStore } from './postgres-store.js';
import { sqliteStore } from './sqlite-store.js';

// eslint-disable-next-line require-yield -- a child that answers at once
function* describeSelf(ctx: OrchestrationContext, input: string): OrchestratorGenerator<string> {
  return `${ctx.instanceId} got ${input} from ${ctx.parent?.instanceId ?? 'nobody'}`;
}

// eslint-disable-next-line require-yield -- a child that fails at once
function* failingChild(_ctx: OrchestrationContext, reason: string): OrchestratorGenerator<never> {
  throw new RangeError(`child refused: ${reason}`);
}

/** Failures per key, so each test counts only its own children. */
const childAttempts = new Map<string, number>();

// eslint-disable-next-line require-yield -- a child that fails until its third attempt
function* flakyChild(_ctx: OrchestrationContext, key: string): OrchestratorGenerator<string> {
  const attempt = (childAttempts.get(key) ?? 0) + 1;
  childAttempts.set(key, attempt);
  if (attempt < 3) throw new Error(`child attempt ${attempt} failed`);
  return `child succeeded on attempt ${attempt}`;
}

function* callsChildWithId(ctx: OrchestrationContext, childId: string): OrchestratorGenerator<unknown> {
  const answer: unknown = yield ctx.callSubOrchestrator(describeSelf, 'hello', { instanceId: childId });
  return answer;
}

function* callsFailingChild(ctx: OrchestrationContext): OrchestratorGenerator<unknown> {
  const answer: unknown = yield ctx.callSubOrchestrator(failingChild, 'no stock');
  return answer;
}

function* retriesChild(ctx: OrchestrationContext, key: string): OrchestratorGenerator<unknown> {
  const answer: unknown = yield ctx.callSubOrchestrator(flakyChild, key, {
    retry: { maxNumberOfAttempts: 3, firstRetryIntervalMs: 50 },
  });
  return answer;
}

function* twoAutomaticChildren(ctx: OrchestrationContext): OrchestratorGenerator<unknown> {
  const answers: unknown = yield ctx.whenAll([
    ctx.callSubOrchestrator(describeSelf, 'one'),
    ctx.callSubOrchestrator(describeSelf, 'two'),
  ]);
  return answers;
}

function register(registry: Registry): void {
  registry
    .addOrchestrator(describeSelf)
    .addOrchestrator(failingChild)
    .addOrchestrator(flakyChild)
    .addOrchestrator(callsChildWithId)
    .addOrchestrator(callsFailingChild)
    .addOrchestrator(retriesChild)
    .addOrchestrator(twoAutomaticChildren);
}

export function subOrchestrationScenarios(factory: StoreFactory): void {
  scenarioSuite('sub-orchestrations', factory, register, (scenario) => {
    test('a sub-orchestration with an explicit id returns its result; the child shows its parent', async () => {
      const { client } = scenario();
      const parentId = uniqueId('parent');
      const childId = uniqueId('explicit-child');
      await client.scheduleNewOrchestration(callsChildWithId, childId, { instanceId: parentId });
      assert.equal(await completedOutput(client, parentId), `${childId} got hello from ${parentId}`);
      const child = await client.getOrchestrationState(childId);
      assert.equal(child?.status, OrchestrationStatus.COMPLETED);
      assert.equal(child.name, 'describeSelf');
      assert.equal(child.parentInstanceId, parentId);
    });

    test('a failing sub-orchestration fails the parent with its message', async () => {
      const { client } = scenario();
      const parentId = uniqueId('parent-of-failure');
      await client.scheduleNewOrchestration(callsFailingChild, undefined, { instanceId: parentId });
      const parent = await client.waitForOrchestrationCompletion(parentId, WAIT);
      assert.equal(parent.status, OrchestrationStatus.FAILED);
      assert.match(parent.failureDetails?.errorMessage ?? '', /child refused: no stock/);
      const childId = (await client.listInstanceIds({ instanceIdPrefix: `${parentId}:` })).items[0];
      assert.ok(childId !== undefined, 'the child exists');
      const child = await client.getOrchestrationState(childId);
      assert.equal(child?.status, OrchestrationStatus.FAILED);
      assert.equal(child.failureDetails?.errorType, 'RangeError');
    });

    test('a sub-orchestration with a retry policy is retried until it succeeds', async () => {
      const { client } = scenario();
      const parentId = uniqueId('retrying-parent');
      await client.scheduleNewOrchestration(retriesChild, parentId, { instanceId: parentId });
      assert.equal(await completedOutput(client, parentId), 'child succeeded on attempt 3');
      assert.equal(childAttempts.get(parentId), 3);
      const children = await client.queryInstances({ instanceIdPrefix: `${parentId}:` });
      assert.deepEqual(
        children.items.map((c) => c.status).sort(),
        [OrchestrationStatus.COMPLETED, OrchestrationStatus.FAILED, OrchestrationStatus.FAILED].sort(),
        'each attempt is its own child instance',
      );
    });

    test('automatic child ids are deterministic: derived from the parent id and the call', async () => {
      const { client } = scenario();
      const parents = [uniqueId('auto-a'), uniqueId('auto-b')];
      for (const parentId of parents) {
        await client.scheduleNewOrchestration(twoAutomaticChildren, undefined, { instanceId: parentId });
      }
      for (const parentId of parents) {
        // Each child reports its own id; the suffix numbers the call (Go engine format).
        assert.deepEqual(await completedOutput(client, parentId), [
          `${parentId}:0001 got one from ${parentId}`,
          `${parentId}:0002 got two from ${parentId}`,
        ]);
        const history = await client.getOrchestrationHistory(parentId);
        const created = history.flatMap((e) =>
          e.eventType.case === 'subOrchestrationInstanceCreated' ? [e.eventType.value.instanceId] : [],
        );
        assert.deepEqual(created, [`${parentId}:0001`, `${parentId}:0002`]);
      }
    });
  });
}

subOrchestrationScenarios(sqliteStore);
if (postgresStore) subOrchestrationScenarios(postgresStore);
