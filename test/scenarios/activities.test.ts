/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return -- the value of a `yield` is typed any, as in durabletask-js */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  OrchestrationStatus,
  type ActivityContext,
  type OrchestrationContext,
  type OrchestratorGenerator,
  type Registry,
  type RetryPolicy,
} from '../../src/index.js';
import {
  completedOutput,
  scenarioSuite,
  sleep,
  timerDelaysMs,
  uniqueId,
  WAIT,
  type StoreFactory,
} from './harness.js';
import { postgresStore } from './postgres-store.js';
import { sqliteStore } from './sqlite-store.js';

const NAP_MS = 200;
const PARALLELISM = 10;
/** How long a nap waits for its nine siblings to start before it gives up waiting. */
const NAP_BARRIER_MS = 10_000;

function append(_ctx: ActivityContext, input: { list: number[]; item: number }): number[] {
  return [...input.list, input.item];
}

function* tenChained(ctx: OrchestrationContext): OrchestratorGenerator<number[]> {
  let list: number[] = [];
  for (let item = 0; item < 10; item++) list = yield ctx.callActivity(append, { list, item });
  return list;
}

/** Running naps per fan-out, and the most that ran at once. */
const naps = new Map<
  string,
  { running: number; peak: number; allStartedAt?: number; lastEndedAt?: number }
>();

/**
 * Waits until all ten naps of its fan-out run at once (or NAP_BARRIER_MS passes), then naps.
 * Run one after another, they could never all be running together: the peak proves parallelism
 * without depending on how fast a loaded machine leases ten tasks.
 */
async function nap(_ctx: ActivityContext, input: { key: string; index: number }): Promise<number> {
  const entry = naps.get(input.key) ?? { running: 0, peak: 0 };
  naps.set(input.key, entry);
  entry.running++;
  entry.peak = Math.max(entry.peak, entry.running);
  if (entry.peak === PARALLELISM) entry.allStartedAt ??= Date.now();
  const deadline = Date.now() + NAP_BARRIER_MS;
  while (entry.peak < PARALLELISM && Date.now() < deadline) await sleep(10);
  await sleep(NAP_MS);
  entry.running--;
  entry.lastEndedAt = Date.now();
  return input.index * 2;
}

function* tenFannedOut(ctx: OrchestrationContext, key: string): OrchestratorGenerator<number[]> {
  const tasks = Array.from({ length: 10 }, (_, index) => ctx.callActivity(nap, { key, index }));
  return yield ctx.whenAll(tasks);
}

class TransientError extends Error {
  override name = 'TransientError';
}
class PermanentError extends Error {
  override name = 'PermanentError';
}

/** Attempts per key, so each test counts only its own calls. */
const attempts = new Map<string, number>();

interface FlakyInput {
  readonly key: string;
  /** The attempt that succeeds; absent: every attempt fails. */
  readonly succeedOn?: number;
  readonly permanent?: boolean;
}

function flaky(_ctx: ActivityContext, input: FlakyInput): string {
  const attempt = (attempts.get(input.key) ?? 0) + 1;
  attempts.set(input.key, attempt);
  if (input.succeedOn !== undefined && attempt >= input.succeedOn) return `succeeded on attempt ${attempt}`;
  if (input.permanent) throw new PermanentError(`attempt ${attempt} failed for good`);
  throw new TransientError(`attempt ${attempt} failed`);
}

const retryPolicies: Record<string, RetryPolicy> = {
  backoff: {
    maxNumberOfAttempts: 4,
    firstRetryIntervalMs: 100,
    backoffCoefficient: 2,
    maxRetryIntervalMs: 150,
  },
  handled: {
    maxNumberOfAttempts: 5,
    firstRetryIntervalMs: 50,
    handle: (failure) => failure.errorType !== 'PermanentError',
  },
  // The second attempt starts 0.5 s after the first failure (room for 1.5 s of scheduling delay);
  // a third would start at least 0.5 + 2 s after the first, always past the 2 s timeout.
  timeout: {
    maxNumberOfAttempts: 10,
    firstRetryIntervalMs: 500,
    backoffCoefficient: 4,
    retryTimeoutMs: 2000,
  },
};

function* callFlaky(
  ctx: OrchestrationContext,
  input: FlakyInput & { policy: keyof typeof retryPolicies },
): OrchestratorGenerator<string> {
  const policy = retryPolicies[input.policy];
  assert.ok(policy);
  return yield ctx.callActivity(flaky, input, { retry: policy });
}

function register(registry: Registry): void {
  registry
    .addActivity(append)
    .addActivity(nap)
    .addActivity(flaky)
    .addOrchestrator(tenChained)
    .addOrchestrator(tenFannedOut)
    .addOrchestrator(callFlaky);
}

export function activityScenarios(factory: StoreFactory): void {
  scenarioSuite(
    'activities',
    factory,
    register,
    (scenario) => {
      test('ten chained activities run in order, each on the previous result', async () => {
        const { client } = scenario();
        const id = await client.scheduleNewOrchestration(tenChained, undefined, {
          instanceId: uniqueId('chain'),
        });
        assert.deepEqual(await completedOutput(client, id), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        const history = await client.getOrchestrationHistory(id);
        const scheduled = history.filter((e) => e.eventType.case === 'taskScheduled').map((e) => e.eventId);
        assert.deepEqual(scheduled, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      });

      test(`ten fanned-out activities run in parallel (parallelism ${PARALLELISM})`, async () => {
        const { client } = scenario();
        const key = uniqueId('fan-out');
        const id = await client.scheduleNewOrchestration(tenFannedOut, key, { instanceId: key });
        assert.deepEqual(await completedOutput(client, id), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
        const entry = naps.get(key);
        assert.equal(entry?.peak, 10, 'all ten activities ran at the same time');
        // From the moment all ten run, they finish in far less than ten naps in a row.
        const together = (entry.lastEndedAt ?? Infinity) - (entry.allStartedAt ?? 0);
        assert.ok(together < 5 * NAP_MS, `ten ${NAP_MS} ms naps took ${together} ms once all had started`);
      });

      test('a retry policy retries with backoff capped by the max interval, then fails', async () => {
        const { client } = scenario();
        const key = uniqueId('retry-backoff');
        const id = await client.scheduleNewOrchestration(
          callFlaky,
          { key, policy: 'backoff' },
          { instanceId: key },
        );
        const state = await client.waitForOrchestrationCompletion(id, WAIT);
        assert.equal(state.status, OrchestrationStatus.FAILED);
        assert.equal(attempts.get(key), 4, 'four attempts, then it gives up');
        assert.match(state.failureDetails?.errorMessage ?? '', /attempt 4 failed/);
        // Durable timers between the attempts: 100 ms, then 200 ms and 400 ms capped at 150 ms.
        assert.deepEqual(timerDelaysMs(await client.getOrchestrationHistory(id)), [100, 150, 150]);
      });

      test('a retried activity that succeeds on its third attempt completes the orchestration', async () => {
        const { client } = scenario();
        const key = uniqueId('retry-success');
        const id = await client.scheduleNewOrchestration(
          callFlaky,
          { key, policy: 'backoff', succeedOn: 3 },
          { instanceId: key },
        );
        assert.equal(await completedOutput(client, id), 'succeeded on attempt 3');
        assert.equal(attempts.get(key), 3);
      });

      test('a handle predicate stops retries of failures it refuses', async () => {
        const { client } = scenario();
        const permanentKey = uniqueId('retry-permanent');
        const transientKey = uniqueId('retry-transient');
        const permanent = await client.scheduleNewOrchestration(
          callFlaky,
          { key: permanentKey, policy: 'handled', permanent: true },
          { instanceId: permanentKey },
        );
        const transient = await client.scheduleNewOrchestration(
          callFlaky,
          { key: transientKey, policy: 'handled' },
          { instanceId: transientKey },
        );
        const permanentState = await client.waitForOrchestrationCompletion(permanent, WAIT);
        const transientState = await client.waitForOrchestrationCompletion(transient, WAIT);
        assert.equal(permanentState.status, OrchestrationStatus.FAILED);
        assert.equal(transientState.status, OrchestrationStatus.FAILED);
        assert.equal(attempts.get(permanentKey), 1, 'a refused failure is not retried');
        assert.equal(attempts.get(transientKey), 5, 'a handled failure is retried up to max attempts');
        assert.equal(permanentState.failureDetails?.errorType, 'TaskFailedError');
        assert.match(permanentState.failureDetails?.errorMessage ?? '', /attempt 1 failed for good/);
      });

      test('a retry timeout stops retrying once the next attempt would start too late', async () => {
        const { client } = scenario();
        const key = uniqueId('retry-timeout');
        const id = await client.scheduleNewOrchestration(
          callFlaky,
          { key, policy: 'timeout' },
          { instanceId: key },
        );
        const state = await client.waitForOrchestrationCompletion(id, WAIT);
        assert.equal(state.status, OrchestrationStatus.FAILED);
        assert.equal(attempts.get(key), 2, 'ten attempts allowed, but the timeout leaves room for two');
        assert.match(state.failureDetails?.errorMessage ?? '', /attempt 2 failed/);
      });
    },
    { worker: { maxConcurrentActivities: PARALLELISM } },
  );
}

activityScenarios(sqliteStore);
if (postgresStore) activityScenarios(postgresStore);
