// Work item filters through the sidecar with real @microsoft/durabletask-js workers, on SQLite and
// PostgreSQL: filters that name entities (auto-generated from a registered entity, or given alone)
// leave orchestration and activity routing intact, and work that no connected worker's filters
// accept is named in a warning of the sidecar's log, once.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  NoOpLogger,
  OrchestrationStatus,
  TaskEntity,
  TaskHubGrpcWorker,
  type ActivityContext,
  type OrchestrationContext,
  type WorkItemFilters,
} from '@microsoft/durabletask-js';
import { RecordingLogger } from '../faults/recording-logger.js';
import { backendKinds, sidecarWithWorkers } from './both-backends.js';
import { waitUntil } from './harness.js';

const WAIT_S = 30;

class Counter extends TaskEntity<number> {
  add(amount: number): number {
    this.state += amount;
    return this.state;
  }
  protected override initializeState(): number {
    return 0;
  }
}

const kinds = await backendKinds();

for (const kind of kinds) {
  describe(`work item filters through the sidecar (${kind})`, { timeout: 180_000 }, () => {
    const logger = new RecordingLogger();
    const suite = sidecarWithWorkers(kind, { logger });
    const run = randomUUID().slice(0, 8);
    let seq = 0;
    const newId = (what: string): string => `${what}-${run}-${++seq}`;

    /** A worker with `greeter` (one activity, both answering `label`) and the Counter entity. */
    async function startWorker(label: string, workItemFilters: WorkItemFilters | 'auto'): Promise<void> {
      const worker = new TaskHubGrpcWorker({
        hostAddress: suite.env.address,
        logger: new NoOpLogger(),
        shutdownTimeoutMs: 2_000,
        workItemFilters,
      });
      worker.addNamedActivity('greet', (_ctx: ActivityContext, name: string) => `${label}: hello ${name}`);
      worker.addNamedOrchestrator(
        'greeter',
        async function* (ctx: OrchestrationContext, name: string): AsyncGenerator<unknown, string, string> {
          return yield ctx.callActivity('greet', name);
        },
      );
      worker.addNamedEntity('Counter', () => new Counter());
      await suite.connect(worker);
    }

    async function greet(name: string): Promise<string | undefined> {
      const instanceId = await suite.client.scheduleNewOrchestration('greeter', name, {
        instanceId: newId('greet'),
      });
      const state = await suite.client.waitForOrchestrationCompletion(instanceId, true, WAIT_S);
      assert.equal(state?.runtimeStatus, OrchestrationStatus.COMPLETED);
      return state?.serializedOutput === undefined
        ? undefined
        : (JSON.parse(state.serializedOutput) as string);
    }

    test('auto filters that include a registered entity still route orchestrations and activities', async () => {
      await startWorker('auto', 'auto');
      assert.equal(await greet('filters'), 'auto: hello filters');
    });

    test('a worker that filters on entities only gets no orchestrations; one that registers them does', async () => {
      await startWorker('entities-only', { entities: [{ name: 'Counter' }] });
      await startWorker('orchestrations', {
        orchestrations: [{ name: 'greeter' }],
        activities: [{ name: 'greet' }],
      });
      for (const name of ['a', 'b', 'c']) assert.equal(await greet(name), `orchestrations: hello ${name}`);
    });

    test('an orchestration no connected worker registers is named in one warning', async () => {
      await startWorker('auto', 'auto');
      const instanceId = await suite.client.scheduleNewOrchestration('nobodyRegistersThis', undefined, {
        instanceId: newId('unroutable'),
      });
      await waitUntil(() => logger.about(instanceId).length > 0, 'the warning');
      const [warning, ...more] = logger.about(instanceId);
      assert.match(warning?.msg ?? '', /orchestrator 'nobodyRegistersThis'/);
      assert.equal(warning?.fields['name'], 'nobodyRegistersThis');
      // The item waits; routing is retried as work completes, without another warning.
      assert.equal(await greet('still works'), 'auto: hello still works');
      await sleep(500);
      assert.deepEqual(more, []);
      assert.equal(logger.about(instanceId).length, 1);
      assert.equal(
        (await suite.client.getOrchestrationState(instanceId))?.runtimeStatus,
        OrchestrationStatus.PENDING,
      );
    });
  });
}
