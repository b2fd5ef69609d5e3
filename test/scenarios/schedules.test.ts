import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isDurableTaskError,
  OrchestrationStatus,
  type OrchestrationContext,
  type OrchestratorGenerator,
  type Registry,
} from '../../src/index.js';
import { scenarioSuite, sleep, uniqueId, WAIT, type StoreFactory } from './harness.js';
import { postgresStore } from './postgres-store.js';
import { runsOf, tickOf, waitForSchedule } from './schedule-helpers.js';
import { sqliteStore } from './sqlite-store.js';

// eslint-disable-next-line require-yield -- a run that completes at once with its input
function* echoRun(_ctx: OrchestrationContext, input: unknown): OrchestratorGenerator<unknown> {
  return input;
}
/** A run that lasts until it is released: it makes ticks overlap. */
function* heldRun(ctx: OrchestrationContext): OrchestratorGenerator<string> {
  yield ctx.waitForExternalEvent('release');
  return 'released';
}

function register(registry: Registry): void {
  registry.addOrchestrator(echoRun).addOrchestrator(heldRun);
}

export function scheduleScenarios(factory: StoreFactory): void {
  scenarioSuite('schedules', factory, register, (scenario) => {
    test('an interval schedule starts one run per tick, ids from the tick time, tagged', async () => {
      const { engine, client } = scenario();
      const id = uniqueId('every300');
      await engine.schedules.create(id, { intervalMs: 300, orchestration: 'echoRun', input: { n: 1 } });
      await waitForSchedule(engine.schedules, id, (s) => s.counts.started >= 3, 'three runs');
      await engine.schedules.delete(id);
      const runs = await runsOf(client, id);
      assert.ok(runs.length >= 3);
      const ticks = runs.map(tickOf);
      for (let i = 1; i < ticks.length; i++) assert.equal((ticks[i] ?? 0) - (ticks[i - 1] ?? 0), 300);
      for (const run of runs) {
        const state = await client.waitForOrchestrationCompletion(run, WAIT);
        assert.equal(state.output, JSON.stringify({ n: 1 }));
      }
      assert.equal(await engine.schedules.get(id), undefined, 'a deleted schedule is gone');
      assert.ok(!(await engine.schedules.list()).some((s) => s.id === id));
    });

    test('overlap skip: ticks while the last run runs start nothing', async () => {
      const { engine, client } = scenario();
      const id = uniqueId('skip');
      await engine.schedules.create(id, { intervalMs: 200, orchestration: 'heldRun', overlap: 'skip' });
      const held = await waitForSchedule(
        engine.schedules,
        id,
        (s) => s.counts.skipped >= 2,
        'two skipped ticks',
      );
      assert.equal(held.counts.started, 1);
      assert.deepEqual(await runsOf(client, id), [held.lastRunId]);
      await client.raiseOrchestrationEvent(held.lastRunId ?? '', 'release');
      await waitForSchedule(engine.schedules, id, (s) => s.counts.started >= 2, 'a run after the release');
      await engine.schedules.delete(id);
    });

    test('overlap buffer-one: one held-back tick runs as soon as the last run ends', async () => {
      const { engine, client } = scenario();
      const id = uniqueId('buffer');
      await engine.schedules.create(id, { intervalMs: 200, orchestration: 'heldRun', overlap: 'buffer-one' });
      const buffered = await waitForSchedule(
        engine.schedules,
        id,
        (s) => s.bufferedTickAt !== undefined && s.counts.skipped >= 1,
        'a buffered tick and a skipped one',
      );
      assert.equal(buffered.counts.started, 1);
      await client.raiseOrchestrationEvent(buffered.lastRunId ?? '', 'release');
      const after = await waitForSchedule(
        engine.schedules,
        id,
        (s) => s.counts.started === 2,
        'the buffered run',
      );
      assert.equal(tickOf(after.lastRunId ?? ''), buffered.bufferedTickAt, 'the run is the buffered tick');
      await engine.schedules.delete(id);
    });

    test('overlap allow-all: every tick starts a run', async () => {
      const { engine, client } = scenario();
      const id = uniqueId('all');
      await engine.schedules.create(id, { intervalMs: 200, orchestration: 'heldRun', overlap: 'allow-all' });
      await waitForSchedule(engine.schedules, id, (s) => s.counts.started >= 3, 'three overlapping runs');
      await engine.schedules.pause(id);
      await waitForSchedule(engine.schedules, id, (s) => s.state === 'paused', 'paused');
      const runs = await runsOf(client, id);
      const running = await Promise.all(runs.map((r) => client.getOrchestrationState(r)));
      assert.ok(running.filter((r) => r?.status === OrchestrationStatus.RUNNING).length >= 3);
      for (const run of runs) await client.raiseOrchestrationEvent(run, 'release');
      await engine.schedules.delete(id);
    });

    test('pause, trigger, resume and update', async () => {
      const { engine, client } = scenario();
      const id = uniqueId('controls');
      await engine.schedules.create(id, { intervalMs: 250, orchestration: 'echoRun', input: 'v1' });
      await waitForSchedule(engine.schedules, id, (s) => s.counts.started >= 1, 'a first run');
      await engine.schedules.pause(id);
      const paused = await waitForSchedule(engine.schedules, id, (s) => s.state === 'paused', 'paused');
      assert.equal(paused.nextRunAt, undefined, 'a paused schedule has no next run');

      await engine.schedules.trigger(id);
      const triggered = await waitForSchedule(
        engine.schedules,
        id,
        (s) => s.counts.started === paused.counts.started + 1,
        'the triggered run',
      );
      assert.match(triggered.lastRunId ?? '', /@manual@/);
      assert.equal(triggered.state, 'paused', 'a trigger leaves the schedule paused');
      // Several intervals pass while paused; no tick runs (the triggered run is the only new one).
      await sleep(800);
      assert.equal((await engine.schedules.get(id))?.counts.started, triggered.counts.started);

      await engine.schedules.update(id, { intervalMs: 250, orchestration: 'echoRun', input: 'v2' });
      await engine.schedules.resume(id);
      const resumed = await waitForSchedule(
        engine.schedules,
        id,
        (s) => s.state === 'active' && s.counts.started > triggered.counts.started && s.spec.input === 'v2',
        'ticks again with the new input',
      );
      const last = await client.waitForOrchestrationCompletion(resumed.lastRunId ?? '', WAIT);
      assert.equal(last.output, JSON.stringify('v2'));
      await engine.schedules.delete(id);
    });

    test('a cron schedule in a time zone reports its next tick', async () => {
      const { engine } = scenario();
      const id = uniqueId('cron');
      await engine.schedules.create(id, {
        cron: '0 9 * * *',
        timeZone: 'Europe/Paris',
        orchestration: 'echoRun',
      });
      const info = await waitForSchedule(
        engine.schedules,
        id,
        (s) => s.nextRunAt !== undefined,
        'a next run',
      );
      const next = new Date(info.nextRunAt ?? 0);
      const parisHour = Number(
        new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', hour12: false }).format(
          next,
        ),
      );
      assert.equal(parisHour, 9);
      assert.equal(next.getUTCMinutes(), 0);
      assert.ok(info.nextRunAt !== undefined && info.nextRunAt > Date.now());
      assert.ok(info.nextRunAt - Date.now() <= 24 * 3600_000);
      await engine.schedules.delete(id);
    });

    test('an end time completes the schedule', async () => {
      const { engine } = scenario();
      const id = uniqueId('ending');
      await engine.schedules.create(id, {
        intervalMs: 200,
        orchestration: 'echoRun',
        endAt: Date.now() + 700,
      });
      const done = await waitForSchedule(engine.schedules, id, (s) => s.state === 'completed', 'completed');
      assert.ok(done.counts.started >= 2 && done.counts.started <= 4, `${done.counts.started} runs`);
      await assert.rejects(engine.schedules.trigger(id), (err) =>
        isDurableTaskError(err, 'SCHEDULE_NOT_FOUND'),
      );
      await engine.schedules.delete(id);
    });

    test('bad specs and unknown schedules get clear errors', async () => {
      const { engine } = scenario();
      const bad: [object, RegExp][] = [
        [{ cron: '61 * * * *', orchestration: 'echoRun' }, /Bad cron expression '61 \* \* \* \*'/],
        [
          { cron: '* * * * *', timeZone: 'Mars/Olympus', orchestration: 'echoRun' },
          /Unknown time zone 'Mars\/Olympus'/,
        ],
        [{ intervalMs: 0, orchestration: 'echoRun' }, /interval/],
        [{ orchestration: 'echoRun' }, /exactly one of a cron expression or an interval/],
        [{ intervalMs: 1000, cron: '* * * * *', orchestration: 'echoRun' }, /exactly one/],
        [{ intervalMs: 1000, orchestration: '' }, /name of the orchestration/],
        [{ intervalMs: 1000, orchestration: 'echoRun', startAt: 2000, endAt: 1000 }, /endAt must come after/],
        [{ intervalMs: 1000, orchestration: 'echoRun', overlap: 'queue' }, /Unknown overlap policy 'queue'/],
      ];
      for (const [spec, message] of bad) {
        await assert.rejects(
          engine.schedules.create(uniqueId('bad'), spec as never),
          (err) => isDurableTaskError(err, 'INVALID_ARGUMENT') && message.test((err as Error).message),
        );
      }
      await assert.rejects(
        engine.schedules.create('bad id!', { intervalMs: 1000, orchestration: 'echoRun' }),
        /schedule id/,
      );
      for (const act of [
        () => engine.schedules.pause('nope'),
        () => engine.schedules.resume('nope'),
        () => engine.schedules.trigger('nope'),
        () => engine.schedules.delete('nope'),
      ]) {
        await assert.rejects(act(), (err) => isDurableTaskError(err, 'SCHEDULE_NOT_FOUND'));
      }
      const id = uniqueId('twice');
      await engine.schedules.create(id, { intervalMs: 60_000, orchestration: 'echoRun' });
      await assert.rejects(
        engine.schedules.create(id, { intervalMs: 60_000, orchestration: 'echoRun' }),
        (err) => isDurableTaskError(err, 'DUPLICATE_INSTANCE'),
      );
      await engine.schedules.delete(id);
    });
  });
}

scheduleScenarios(sqliteStore);
if (postgresStore) scheduleScenarios(postgresStore);
