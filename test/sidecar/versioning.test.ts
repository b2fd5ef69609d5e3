// Orchestration versions through the sidecar with real @microsoft/durabletask-js workers, on SQLite
// and PostgreSQL: each match strategy (None, Strict, CurrentOrOlder) and failure strategy (Reject:
// the worker abandons the item, which then goes to a worker that takes it; Fail: the orchestration
// fails), and versioned work item filters (an activity scheduled without a version runs under its
// orchestration's version, as the managed scheduler routes it).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  NoOpLogger,
  OrchestrationStatus,
  TaskHubGrpcWorker,
  VersionFailureStrategy,
  VersionMatchStrategy,
  type ActivityContext,
  type Logger,
  type OrchestrationContext,
  type VersioningOptions,
  type WorkItemFilters,
} from '@microsoft/durabletask-js';
import { backendKinds, sidecarWithWorkers } from './both-backends.js';
import { waitUntil } from './harness.js';

const WAIT_S = 30;
const ORCHESTRATION = 'versionedGreeting';
const ACTIVITY = 'greetFrom';

/** An SDK logger that counts the worker's "Abandoning work item" lines (version rejections). */
class AbandonCounter extends NoOpLogger implements Logger {
  abandons = 0;
  override info(message: string): void {
    if (message.includes('Abandoning work item')) this.abandons += 1;
  }
  override logEvent(level: 'error' | 'warn' | 'info' | 'debug', _event: unknown, message: string): void {
    if (level === 'info') this.info(message);
  }
}

interface WorkerSpec {
  readonly label: string;
  readonly versioning?: VersioningOptions;
  readonly workItemFilters?: WorkItemFilters | 'auto';
}

const kinds = await backendKinds();

for (const kind of kinds) {
  describe(`orchestration versions through the sidecar (${kind})`, { timeout: 240_000 }, () => {
    const suite = sidecarWithWorkers(kind);
    const run = randomUUID().slice(0, 8);
    let seq = 0;
    const newId = (what: string): string => `${what}-${run}-${++seq}`;

    /**
     * Connects an SDK worker whose orchestration (one activity) and activity both answer with its
     * label, so a test can tell which worker ran what. Connected one after the other: the first
     * connected stream is the dispatcher's first choice when both are idle.
     */
    async function startWorker(spec: WorkerSpec): Promise<AbandonCounter> {
      const logger = new AbandonCounter();
      const worker = new TaskHubGrpcWorker({
        hostAddress: suite.env.address,
        logger,
        shutdownTimeoutMs: 2_000,
        ...(spec.versioning && { versioning: spec.versioning }),
        ...(spec.workItemFilters && { workItemFilters: spec.workItemFilters }),
      });
      worker.addNamedActivity(ACTIVITY, (_ctx: ActivityContext) => spec.label);
      worker.addNamedOrchestrator(ORCHESTRATION, async function* (ctx: OrchestrationContext): AsyncGenerator<
        unknown,
        string,
        string
      > {
        const activityBy: string = yield ctx.callActivity(ACTIVITY);
        return `${spec.label}/${activityBy}@${ctx.version}`;
      });
      await suite.connect(worker);
      return logger;
    }

    async function startAt(version: string | undefined): Promise<string> {
      return suite.client.scheduleNewOrchestration(ORCHESTRATION, undefined, {
        instanceId: newId(`v${version ?? 'none'}`),
        ...(version !== undefined && { version }),
      });
    }

    async function outcome(instanceId: string): Promise<{ status: OrchestrationStatus; output?: string }> {
      const state = await suite.client.waitForOrchestrationCompletion(instanceId, true, WAIT_S);
      assert.ok(state, `instance ${instanceId} exists`);
      return {
        status: state.runtimeStatus,
        ...(state.serializedOutput !== undefined && { output: JSON.parse(state.serializedOutput) as string }),
      };
    }

    const strict = (version: string, failureStrategy = VersionFailureStrategy.Reject): VersioningOptions => ({
      version,
      matchStrategy: VersionMatchStrategy.Strict,
      failureStrategy,
    });

    test('Reject: an item abandoned by a worker of another version runs on the matching worker', async () => {
      const old = await startWorker({ label: 'old', versioning: strict('1.0.0') });
      await startWorker({ label: 'new', versioning: strict('2.0.0') });
      // Alone and with both workers idle, the first-connected one is offered it first and rejects it.
      const newOutcome = await outcome(await startAt('2.0.0'));
      assert.equal(newOutcome.status, OrchestrationStatus.COMPLETED);
      // The 2.0.0 turns ran on the 2.0.0 worker; its activity (no filters here) may run on either.
      assert.match(newOutcome.output ?? '', /^new\/(old|new)@2\.0\.0$/);
      const oldOutcome = await outcome(await startAt('1.0.0'));
      assert.equal(oldOutcome.status, OrchestrationStatus.COMPLETED);
      assert.match(oldOutcome.output ?? '', /^old\/(old|new)@1\.0\.0$/);
      assert.ok(old.abandons >= 1, 'the 1.0.0 worker did reject the 2.0.0 turn');
    });

    test('Reject: when every worker rejects the item it waits in the store with a growing delay', async () => {
      const only = await startWorker({ label: 'only', versioning: strict('1.0.0') });
      const instanceId = await startAt('9.0.0');
      await waitUntil(() => only.abandons >= 1, 'the first rejection');
      await sleep(3_000);
      const state = await suite.client.getOrchestrationState(instanceId);
      assert.notEqual(state?.runtimeStatus, OrchestrationStatus.COMPLETED);
      assert.notEqual(state?.runtimeStatus, OrchestrationStatus.FAILED);
      // 1 s, 2 s, 4 s, ... between offers: a handful in 3 s, not a hot loop.
      assert.ok(only.abandons <= 4, `offered ${only.abandons} times in about 3 s`);
      // A worker that matches picks it up.
      await startWorker({ label: 'nine', versioning: strict('9.0.0') });
      const done = await outcome(instanceId);
      assert.equal(done.status, OrchestrationStatus.COMPLETED);
      assert.match(done.output ?? '', /^nine\//);
    });

    test("Fail: a version mismatch fails the orchestration with the worker's error", async () => {
      await startWorker({ label: 'strict', versioning: strict('1.0.0', VersionFailureStrategy.Fail) });
      const instanceId = await startAt('2.0.0');
      const state = await suite.client.waitForOrchestrationCompletion(instanceId, true, WAIT_S);
      assert.equal(state?.runtimeStatus, OrchestrationStatus.FAILED);
      assert.equal(state?.failureDetails?.errorType, 'VersionMismatch');
      assert.match(
        state?.failureDetails?.message ?? '',
        /'2\.0\.0' does not match the worker version '1\.0\.0'/,
      );
      const matching = await outcome(await startAt('1.0.0'));
      assert.deepEqual(matching, { status: OrchestrationStatus.COMPLETED, output: 'strict/strict@1.0.0' });
    });

    test('None: a worker runs every version', async () => {
      await startWorker({
        label: 'any',
        versioning: { version: '1.0.0', matchStrategy: VersionMatchStrategy.None },
      });
      for (const version of ['0.1.0', '1.0.0', '7.0.0', undefined]) {
        const result = await outcome(await startAt(version));
        assert.deepEqual(result, {
          status: OrchestrationStatus.COMPLETED,
          output: `any/any@${version ?? ''}`,
        });
      }
    });

    test('CurrentOrOlder: older and equal versions run; a newer one is rejected (Reject) or fails (Fail)', async () => {
      await startWorker({
        label: 'v2',
        versioning: {
          version: '2.0.0',
          matchStrategy: VersionMatchStrategy.CurrentOrOlder,
          failureStrategy: VersionFailureStrategy.Fail,
        },
      });
      for (const version of ['1.0.0', '2.0.0', undefined]) {
        assert.equal((await outcome(await startAt(version))).status, OrchestrationStatus.COMPLETED);
      }
      const newer = await suite.client.waitForOrchestrationCompletion(await startAt('3.0.0'), true, WAIT_S);
      assert.equal(newer?.runtimeStatus, OrchestrationStatus.FAILED);
      assert.match(
        newer?.failureDetails?.message ?? '',
        /'3\.0\.0' is greater than the worker version '2\.0\.0'/,
      );

      // Reject: the newer item goes to a worker of that version.
      await suite.stopWorkers();
      const current = {
        matchStrategy: VersionMatchStrategy.CurrentOrOlder,
        failureStrategy: VersionFailureStrategy.Reject,
      };
      const v2 = await startWorker({ label: 'v2', versioning: { ...current, version: '2.0.0' } });
      await startWorker({ label: 'v3', versioning: { ...current, version: '3.0.0' } });
      const rejected = await outcome(await startAt('3.0.0'));
      assert.equal(rejected.status, OrchestrationStatus.COMPLETED);
      assert.match(rejected.output ?? '', /^v3\//);
      assert.ok(v2.abandons >= 1, 'the 2.0.0 worker rejected the 3.0.0 turn');
    });

    test("versioned filters: an activity scheduled without a version matches under the orchestration's version", async () => {
      await startWorker({
        label: 'v3',
        workItemFilters: {
          orchestrations: [{ name: ORCHESTRATION, versions: ['3.0.0'] }],
          activities: [{ name: ACTIVITY, versions: ['3.0.0'] }],
        },
      });
      const result = await outcome(await startAt('3.0.0'));
      assert.deepEqual(result, { status: OrchestrationStatus.COMPLETED, output: 'v3/v3@3.0.0' });
    });

    test('Strict with auto filters: each version goes to its own worker, activities included', async () => {
      await startWorker({ label: 'one', versioning: strict('1.0.0'), workItemFilters: 'auto' });
      await startWorker({ label: 'two', versioning: strict('2.0.0'), workItemFilters: 'auto' });
      const [one, two] = await Promise.all([startAt('1.0.0'), startAt('2.0.0')]);
      assert.deepEqual(await outcome(two), {
        status: OrchestrationStatus.COMPLETED,
        output: 'two/two@2.0.0',
      });
      assert.deepEqual(await outcome(one), {
        status: OrchestrationStatus.COMPLETED,
        output: 'one/one@1.0.0',
      });
    });
  });
}
