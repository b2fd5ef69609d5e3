import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { PostgresBackend } from '../../src/backend/postgres/index.js';
import {
  dropSchema,
  requirePostgres,
  TEST_DATABASE_URL,
} from '../../src/backend/postgres/testing/test-database.js';
import { DurableTaskEngine, Registry, statusName } from '../../src/index.js';
import { checkHistory } from './invariants.js';
import { ACTIVITIES_PER_INSTANCE, expectedOutput, PIPELINE_NAME, registerPipeline } from './pipeline.js';
import { tracedBackend, type Progress, type TurnRecorder } from './traced-backend.js';

/**
 * Two engines in one process on one PostgreSQL schema share a load between them: every
 * instance completes once with the right output, and both engines ran turns and activities.
 */

const INSTANCES = 100;
const COMPLETION_TIMEOUT_MS = 60_000;

/** Turn records are not needed here, only the counts the traced backend keeps. */
const NO_TURN_RECORDS: TurnRecorder = {
  turnStarted: () => Promise.resolve(0),
  turnEnded: () => Promise.resolve(),
  turnOutcome: () => Promise.resolve(),
};

interface CountedEngine {
  readonly engine: DurableTaskEngine;
  readonly name: string;
  progress: Progress | undefined;
  activityRuns: number;
}

function countedEngine(name: string, schema: string): CountedEngine {
  const counts: Omit<CountedEngine, 'engine' | 'name'> = { progress: undefined, activityRuns: 0 };
  const registry = registerPipeline(
    new Registry(),
    { activityRunStarted: () => Promise.resolve((counts.activityRuns += 1)) },
    { turnWorkMs: 2, activityWorkMs: 10 },
  );
  const backend = tracedBackend(
    new PostgresBackend({ connectionString: TEST_DATABASE_URL, schema, poolSize: 4 }),
    NO_TURN_RECORDS,
    (progress) => (counts.progress = progress),
  );
  return Object.assign(counts, { name, engine: new DurableTaskEngine({ backend, registry }) });
}

if (await requirePostgres()) {
  describe('scale-out: two engines in one process', { timeout: 90_000 }, () => {
    const schema = `dt_two_${process.pid}_${randomBytes(4).toString('hex')}`;
    const engines: CountedEngine[] = [];

    before(async () => {
      engines.push(countedEngine('first', schema), countedEngine('second', schema));
      // One after the other: the first creates the tables.
      for (const { engine } of engines) await engine.start();
    });

    after(async () => {
      try {
        for (const { engine } of engines) {
          await engine.client.stop();
          await engine.stop();
        }
      } finally {
        await dropSchema(schema);
      }
    });

    test(`${INSTANCES} instances complete once, with both engines doing work`, async (t) => {
      const [first, second] = engines as [CountedEngine, CountedEngine];
      const client = first.engine.client;
      const ids = Array.from({ length: INSTANCES }, (_, seed) => `two-${seed}`);
      await Promise.all(
        ids.map((instanceId, seed) =>
          // Half scheduled through each engine's client.
          engines[seed % 2]!.engine.client.scheduleNewOrchestration(PIPELINE_NAME, { seed }, { instanceId }),
        ),
      );
      const states = await Promise.all(
        ids.map((id) =>
          second.engine.client.waitForOrchestrationCompletion(id, { timeoutMs: COMPLETION_TIMEOUT_MS }),
        ),
      );
      const violations: string[] = [];
      for (const [seed, state] of states.entries()) {
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
        checkHistory(
          state.instanceId,
          await client.getOrchestrationHistory(state.instanceId),
          ACTIVITIES_PER_INSTANCE,
          violations,
        );
      }
      assert.deepEqual(violations, []);

      const turns = engines.map((counted) => counted.progress?.turnsCommitted ?? 0);
      const activities = engines.map((counted) => counted.progress?.activitiesCompleted ?? 0);
      t.diagnostic(`turns committed: ${turns.join('/')}; activities completed: ${activities.join('/')}`);
      for (const [index, counted] of engines.entries()) {
        assert.ok(turns[index]! > 0, `${counted.name} committed no turn (turns: ${turns.join('/')})`);
        assert.ok(
          activities[index]! > 0,
          `${counted.name} completed no activity (activities: ${activities.join('/')})`,
        );
      }
      // Without a kill every activity ran once, and every result was recorded once.
      assert.equal(first.activityRuns + second.activityRuns, INSTANCES * ACTIVITIES_PER_INSTANCE);
      assert.equal(activities[0]! + activities[1]!, INSTANCES * ACTIVITIES_PER_INSTANCE);
    });
  });
}
