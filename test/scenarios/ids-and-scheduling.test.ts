import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DuplicateInstanceError,
  InstanceNotFoundError,
  OrchestrationStatus,
  type OrchestrationContext,
  type OrchestratorGenerator,
  type Registry,
} from '../../src/index.js';
import { completedOutput, scenarioSuite, sleep, uniqueId, WAIT, type StoreFactory } from './harness.js';
import { postgresStore } from './postgres-store.js';
import { sqliteStore } from './sqlite-store.js';

function* echoAfterTimer(ctx: OrchestrationContext, value: unknown): OrchestratorGenerator<unknown> {
  yield ctx.createTimer(0);
  return value;
}

function* waitsForever(ctx: OrchestrationContext): OrchestratorGenerator<unknown> {
  const never: unknown = yield ctx.waitForExternalEvent('never');
  return never;
}

function* waitsForEvent(ctx: OrchestrationContext): OrchestratorGenerator<unknown> {
  const early: unknown = yield ctx.waitForExternalEvent('early');
  return early;
}

function register(registry: Registry): void {
  registry.addOrchestrator(echoAfterTimer).addOrchestrator(waitsForever).addOrchestrator(waitsForEvent);
}

const TERMINAL = [OrchestrationStatus.COMPLETED, OrchestrationStatus.FAILED, OrchestrationStatus.TERMINATED];

export function idAndSchedulingScenarios(factory: StoreFactory): void {
  scenarioSuite('instance ids and scheduling', factory, register, (scenario) => {
    test('starting an id that exists fails with DuplicateInstanceError unless it is completed, failed or terminated', async () => {
      const { client } = scenario();
      const running = await client.scheduleNewOrchestration(waitsForever, undefined, {
        instanceId: uniqueId('dup-running'),
      });
      const done = await client.scheduleNewOrchestration(echoAfterTimer, 'first', {
        instanceId: uniqueId('dup-done'),
      });
      await client.waitForOrchestrationStart(running, WAIT);
      assert.equal(await completedOutput(client, done), 'first');

      await assert.rejects(
        client.scheduleNewOrchestration(waitsForever, undefined, { instanceId: running }),
        DuplicateInstanceError,
      );
      assert.equal((await client.getOrchestrationState(running))?.status, OrchestrationStatus.RUNNING);
      // The default policy replaces a terminal instance (the Durable Task Scheduler's behaviour).
      const before = await client.getOrchestrationState(done);
      await client.scheduleNewOrchestration(echoAfterTimer, 'second', { instanceId: done });
      assert.equal(await completedOutput(client, done), 'second');
      assert.notEqual((await client.getOrchestrationState(done))?.executionId, before?.executionId);
      await client.terminateOrchestration(running);
    });

    test('enforceUniqueInstanceId refuses an id even when its instance completed', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(echoAfterTimer, 'only', {
        instanceId: uniqueId('unique'),
        enforceUniqueInstanceId: true,
      });
      assert.equal(await completedOutput(client, id), 'only');
      await assert.rejects(
        client.scheduleNewOrchestration(echoAfterTimer, 'again', {
          instanceId: id,
          enforceUniqueInstanceId: true,
        }),
        DuplicateInstanceError,
      );
      assert.equal(await completedOutput(client, id), 'only', 'the refused start changed nothing');
    });

    test('an id reuse policy replaces an instance in a listed status, and only then', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(echoAfterTimer, 'first', {
        instanceId: uniqueId('reuse'),
      });
      assert.equal(await completedOutput(client, id), 'first');
      const before = await client.getOrchestrationState(id);

      await client.scheduleNewOrchestration(echoAfterTimer, 'second', {
        instanceId: id,
        reusePolicy: { replaceableStatuses: TERMINAL },
      });
      assert.equal(await completedOutput(client, id), 'second');
      const after = await client.getOrchestrationState(id);
      assert.notEqual(after?.executionId, before?.executionId, 'a new execution replaced the old one');
      // 32 lower-case hex characters, as the Durable Task Scheduler makes execution ids.
      assert.match(after?.executionId ?? '', /^[0-9a-f]{32}$/);
      const starts = (await client.getOrchestrationHistory(id)).filter(
        (e) => e.eventType.case === 'executionStarted',
      );
      assert.equal(starts.length, 1, 'the old history is gone');

      const running = await client.scheduleNewOrchestration(waitsForever, undefined, {
        instanceId: uniqueId('reuse-running'),
      });
      await client.waitForOrchestrationStart(running, WAIT);
      await assert.rejects(
        client.scheduleNewOrchestration(echoAfterTimer, 'x', {
          instanceId: running,
          reusePolicy: { replaceableStatuses: TERMINAL },
        }),
        DuplicateInstanceError,
      );
      assert.equal((await client.getOrchestrationState(running))?.status, OrchestrationStatus.RUNNING);
      await client.terminateOrchestration(running);
    });

    test('a scheduled start time delays the first turn until that time', async () => {
      const { client } = scenario();
      const startAt = new Date(Date.now() + 1500);
      const id = await client.scheduleNewOrchestration(echoAfterTimer, 'later', {
        instanceId: uniqueId('scheduled'),
        startAt,
      });
      await sleep(700);
      const pending = await client.getOrchestrationState(id);
      assert.equal(pending?.status, OrchestrationStatus.PENDING);
      assert.equal(pending.startedAt, undefined);
      assert.equal(pending.scheduledStartAt, startAt.getTime());

      assert.equal(await completedOutput(client, id), 'later');
      const done = await client.getOrchestrationState(id);
      assert.ok(
        done?.startedAt !== undefined && done.startedAt >= startAt.getTime(),
        `started at ${done?.startedAt}, scheduled for ${startAt.getTime()}`,
      );
    });

    test('an event raised before a scheduled start is delivered once the instance starts', async () => {
      const { client } = scenario();
      const startAt = new Date(Date.now() + 1000);
      const id = await client.scheduleNewOrchestration(waitsForEvent, undefined, {
        instanceId: uniqueId('early-event'),
        startAt,
      });
      await client.raiseOrchestrationEvent(id, 'early', 'kept until the start');
      assert.equal(await completedOutput(client, id), 'kept until the start');
      const done = await client.getOrchestrationState(id);
      assert.ok(done?.startedAt !== undefined && done.startedAt >= startAt.getTime());
    });

    test('terminating an instance scheduled for later ends it now, without waiting for its start', async () => {
      const { client } = scenario();
      const id = await client.scheduleNewOrchestration(waitsForever, undefined, {
        instanceId: uniqueId('terminate-scheduled'),
        startAt: new Date(Date.now() + 60 * 60_000),
      });
      await client.terminateOrchestration(id, { output: 'not needed after all' });
      const done = await client.waitForOrchestrationCompletion(id, WAIT);
      assert.equal(done.status, OrchestrationStatus.TERMINATED);
      assert.equal(done.output, JSON.stringify('not needed after all'));
    });

    test('raise, terminate, suspend, resume and rewind on an unknown instance say not found and store nothing', async () => {
      const { client, store } = scenario();
      const id = uniqueId('unknown');
      await assert.rejects(client.raiseOrchestrationEvent(id, 'event', 1), InstanceNotFoundError);
      await assert.rejects(client.terminateOrchestration(id, { output: 'x' }), InstanceNotFoundError);
      await assert.rejects(client.suspendOrchestration(id), InstanceNotFoundError);
      await assert.rejects(client.resumeOrchestration(id), InstanceNotFoundError);
      await assert.rejects(client.rewindOrchestration(id), InstanceNotFoundError);
      await assert.rejects(client.purgeOrchestration(id), InstanceNotFoundError);
      await assert.rejects(client.getOrchestrationHistory(id), InstanceNotFoundError);
      assert.equal(await client.getOrchestrationState(id), undefined);
      assert.equal(await store.rowsFor(id), 0, 'no orphan rows');
    });
  });
}

idAndSchedulingScenarios(sqliteStore);
if (postgresStore) idAndSchedulingScenarios(postgresStore);
