import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type pg from 'pg';
import { PostgresBackend } from '../../src/backend/postgres/index.js';
import {
  adminClient,
  dropSchema,
  requirePostgres,
  TEST_DATABASE_URL,
} from '../../src/backend/postgres/testing/test-database.js';
import { statusName, TaskHubClient } from '../../src/index.js';
import { EngineProcess, describeExit, killAll, whenReported } from './engine-processes.js';
import { readActivityRuns, readTurns, sideTablesSql, type ActivityRunRow } from './execution-log.js';
import { checkHistory, checkResultsCameFromRuns, checkTurnsNeverOverlap } from './invariants.js';
import { ACTIVITIES_PER_INSTANCE, expectedOutput, PIPELINE_NAME, type PipelineInput } from './pipeline.js';

/**
 * Two engine processes share one PostgreSQL schema under load; one is SIGKILLed while it has
 * turns and activities in flight. The survivor takes its work over once the leases expire, and
 * every instance completes exactly as if nothing had happened: right outputs, no turn committed
 * twice, one result per activity, never two turns of one instance at once.
 */

const INSTANCES = 60;
/** Each process must have committed this many turns (of about 400) before the kill: mid-load, and split. */
const TURNS_BEFORE_KILL = 40;
const READY_TIMEOUT_MS = 30_000;
const KILL_MOMENT_TIMEOUT_MS = 30_000;
const COMPLETION_TIMEOUT_MS = 60_000;

if (await requirePostgres()) {
  describe('scale-out: two engine processes, one killed under load', { timeout: 110_000 }, () => {
    const schema = `dt_scale_${process.pid}_${randomBytes(4).toString('hex')}`;
    const processes: EngineProcess[] = [];
    let admin: pg.Client | undefined;
    let backend: PostgresBackend | undefined;
    let client: TaskHubClient | undefined;

    before(async () => {
      admin = await adminClient();
      await admin.query(sideTablesSql(schema));
      // The tables exist before the engines start, so they do not race to create them.
      backend = new PostgresBackend({ connectionString: TEST_DATABASE_URL, schema, poolSize: 4 });
      await backend.start();
      client = new TaskHubClient({ backend });
      for (const name of ['engine-a', 'engine-b']) {
        processes.push(new EngineProcess(name, schema, TEST_DATABASE_URL));
      }
      await Promise.race([
        Promise.all(processes.map((engine) => engine.ready)),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('engine processes not ready in time')), READY_TIMEOUT_MS).unref(),
        ),
      ]);
    });

    after(async () => {
      try {
        await killAll(processes);
        await client?.stop();
        await backend?.stop();
        await admin?.end();
      } finally {
        await dropSchema(schema);
      }
    });

    test(`${INSTANCES} instances complete exactly once after SIGKILL of one of two engines mid-turn and mid-activity`, async (t) => {
      assert.ok(client && admin);
      const [victim, survivor] = processes as [EngineProcess, EngineProcess];
      const ids = Array.from({ length: INSTANCES }, (_, seed) => `scale-${seed}`);
      await Promise.all(
        ids.map((instanceId, seed) =>
          client!.scheduleNewOrchestration(PIPELINE_NAME, { seed } satisfies PipelineInput, { instanceId }),
        ),
      );

      // The kill: as soon as the victim reports turns and activities in flight, and both
      // processes have committed turns.
      const killedAt = await whenReported(
        processes,
        () =>
          victim.progress.turnsInFlight > 0 &&
          victim.progress.activitiesInFlight > 0 &&
          victim.progress.turnsCommitted >= TURNS_BEFORE_KILL &&
          survivor.progress.turnsCommitted >= TURNS_BEFORE_KILL,
        () => {
          const at = Date.now();
          victim.child.kill('SIGKILL');
          return at;
        },
        KILL_MOMENT_TIMEOUT_MS,
        'both engines to commit turns and the victim to hold turns and activities',
      );
      const victimExit = await victim.exited;
      assert.equal(victimExit.signal, 'SIGKILL', `the victim ended by ${describeExit(victimExit)}`);

      const states = await Promise.all(
        ids.map((id) => client!.waitForOrchestrationCompletion(id, { timeoutMs: COMPLETION_TIMEOUT_MS })),
      );
      states.forEach((state, seed) => {
        assert.equal(
          statusName(state.status),
          'COMPLETED',
          `${state.instanceId}: ${state.failureDetails?.errorMessage}`,
        );
        assert.deepEqual(
          JSON.parse(state.output ?? 'null'),
          expectedOutput(seed),
          `${state.instanceId} output`,
        );
      });

      // A clean stop settles the survivor's last records before they are read.
      const survivorExit = await survivor.stop();
      assert.equal(
        survivorExit.code,
        0,
        `the survivor ended by ${describeExit(survivorExit)}: ${survivor.stderrTail}`,
      );

      const turns = await readTurns(admin, schema);
      const runs = await readActivityRuns(admin, schema);
      const runsById = new Map<number, ActivityRunRow>(runs.map((run) => [run.id, run]));
      const violations: string[] = [];
      const recordedRuns = new Set<number>();
      for (const id of ids) {
        const facts = checkHistory(
          id,
          await client.getOrchestrationHistory(id),
          ACTIVITIES_PER_INSTANCE,
          violations,
        );
        checkResultsCameFromRuns(id, facts, runsById, violations);
        for (const runId of facts.resultRuns.values()) if (runId !== undefined) recordedRuns.add(runId);
        // Each committed turn adds one OrchestratorStarted: a turn committed twice would show.
        const mine = turns.filter((turn) => turn.instanceId === id);
        const committed = mine.filter((turn) => turn.outcome === 'committed').length;
        const unknown = mine.filter((turn) => turn.outcome === null && turn.endedAt !== null).length;
        if (facts.turns < committed || facts.turns > committed + unknown) {
          violations.push(
            `${id}: ${facts.turns} turns in history, ${committed} committed (+${unknown} unknown)`,
          );
        }
      }
      checkTurnsNeverOverlap(turns, { process: victim.name, at: killedAt }, violations);
      assert.deepEqual(violations, [], 'invariants of the scale-out run');

      // The work was split: both processes committed turns before the kill.
      const splitBefore: number[] = [];
      for (const name of [victim.name, survivor.name]) {
        const before = turns.filter(
          (t) => t.process === name && t.outcome === 'committed' && t.startedAt < killedAt,
        );
        splitBefore.push(before.length);
        assert.ok(
          before.length >= TURNS_BEFORE_KILL,
          `${name} committed ${before.length} turns before the kill`,
        );
      }
      // The kill interrupted a turn (before or during its commit), which the survivor redid.
      const interrupted = turns.filter((t) => t.process === victim.name && t.outcome === null);
      assert.ok(interrupted.length > 0, 'the victim was killed with a turn in flight');
      // The kill interrupted an activity: it ran on the victim, its recorded result came from a
      // second run on the survivor (at-least-once execution, exactly-once result).
      const rerun = runs.filter(
        (run) =>
          run.process === victim.name &&
          !recordedRuns.has(run.id) &&
          runs.some(
            (other) =>
              other.process === survivor.name &&
              other.instanceId === run.instanceId &&
              other.taskId === run.taskId &&
              recordedRuns.has(other.id),
          ),
      );
      t.diagnostic(
        `turns committed before the kill: ${splitBefore.join('/')}; turns interrupted: ${interrupted.length}; ` +
          `activity runs: ${runs.length} for ${INSTANCES * ACTIVITIES_PER_INSTANCE} tasks; rerun after the kill: ${rerun.length}`,
      );
      assert.ok(rerun.length > 0, 'an activity interrupted by the kill ran again on the survivor');
    });
  });
}
