// `durabletask serve --db postgres://…` as a user runs it: the real bin in child processes, the
// @microsoft/durabletask-js client and worker over gRPC, a throwaway schema dropped afterwards.
// One sidecar runs an orchestration to completion; two sidecars on one schema share the work.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  NoOpLogger,
  OrchestrationStatus,
  TaskHubGrpcClient,
  TaskHubGrpcWorker,
  type ActivityContext,
  type OrchestrationContext,
} from '@microsoft/durabletask-js';
import { maskPassword } from '../../src/cli/store-location.js';
import {
  dropSchema,
  requirePostgres,
  TEST_DATABASE_URL,
  testSchemaName,
} from '../../src/backend/postgres/testing/test-database.js';
import { serveProcess, stopProcess, type ServeProcess } from './serve-process.js';

const WAIT_S = 30;

/** What one SDK worker process ran, so a test can tell the workers apart. */
interface Executed {
  activities: number;
  turns: number;
}

/**
 * The orchestrator and activity of one worker, under the same names in every worker: the
 * activity answers which worker ran it.
 */
function workload(label: string) {
  const executed: Executed = { activities: 0, turns: 0 };
  async function greet(_ctx: ActivityContext, name: string): Promise<{ greeting: string; by: string }> {
    executed.activities += 1;
    // Long enough that one worker cannot drain the whole queue before the other one looks.
    await sleep(100);
    return { greeting: `Hello, ${name}!`, by: label };
  }
  async function* greeter(
    ctx: OrchestrationContext,
    name: string,
  ): AsyncGenerator<unknown, { greeting: string; by: string }, { greeting: string; by: string }> {
    executed.turns += 1;
    return yield ctx.callActivity(greet, name);
  }
  return { executed, greet, greeter };
}

/** An SDK worker connected to `address`, running `workload(label)`. */
async function connectWorker(address: string, label: string) {
  const { executed, greet, greeter } = workload(label);
  const worker = new TaskHubGrpcWorker({ hostAddress: address, logger: new NoOpLogger() });
  worker.addOrchestrator(greeter);
  worker.addActivity(greet);
  await worker.start();
  return { worker, executed, greeter };
}

function serveOnPostgres(schema: string): Promise<ServeProcess> {
  return serveProcess([
    '--db',
    TEST_DATABASE_URL,
    '--schema',
    schema,
    '--pool-size',
    '4',
    '--log-level',
    'warn',
  ]);
}

if (await requirePostgres()) {
  describe('durabletask serve on PostgreSQL', () => {
    const schemas: string[] = [];
    const processes: ServeProcess[] = [];
    const stoppables: { stop(): Promise<void> }[] = [];
    const freshSchema = (suffix: string): string => {
      const schema = testSchemaName(suffix);
      schemas.push(schema);
      return schema;
    };
    const serve = async (schema: string): Promise<ServeProcess> => {
      const served = await serveOnPostgres(schema);
      processes.push(served);
      return served;
    };
    // Whatever a failed test left running: SDK workers and clients first, then the sidecars.
    after(async () => {
      await Promise.allSettled(stoppables.map((s) => s.stop()));
      await Promise.allSettled(processes.map((p) => stopProcess(p, 'SIGKILL')));
      for (const schema of schemas) await dropSchema(schema);
    });

    test('one sidecar runs an orchestration with an activity, then exits 0 on SIGTERM', async () => {
      const schema = freshSchema('_cli');
      const sidecar = await serve(schema);
      assert.equal(sidecar.store, `postgres: ${maskPassword(TEST_DATABASE_URL)}, schema ${schema}`);

      const { worker, executed, greeter } = await connectWorker(sidecar.address, 'only');
      const client = new TaskHubGrpcClient({ hostAddress: sidecar.address, logger: new NoOpLogger() });
      stoppables.push(worker, client);
      const instanceId = await client.scheduleNewOrchestration(greeter, 'PostgreSQL');
      const state = await client.waitForOrchestrationCompletion(instanceId, true, WAIT_S);
      assert.ok(state, `instance ${instanceId} exists`);
      assert.equal(state.runtimeStatus, OrchestrationStatus.COMPLETED, state.failureDetails?.message);
      assert.deepEqual(JSON.parse(state.serializedOutput ?? 'null'), {
        greeting: 'Hello, PostgreSQL!',
        by: 'only',
      });
      assert.equal(executed.activities, 1);

      await Promise.all([worker.stop(), client.stop()]);
      assert.equal(await stopProcess(sidecar, 'SIGTERM'), 0, sidecar.stderr());
    });

    test('two sidecars on one schema share the work of 20 instances scheduled through both', async () => {
      const schema = freshSchema('_cli2');
      // Started one after the other: the second finds the schema the first created.
      const first = await serve(schema);
      const second = await serve(schema);
      const a = await connectWorker(first.address, 'a');
      const b = await connectWorker(second.address, 'b');
      const client = new TaskHubGrpcClient({ hostAddress: first.address, logger: new NoOpLogger() });
      const secondClient = new TaskHubGrpcClient({ hostAddress: second.address, logger: new NoOpLogger() });
      stoppables.push(a.worker, b.worker, client, secondClient);

      // Half of the instances start through each sidecar. A process wakes at once for work it
      // stores itself and batch-leases it, so scheduling everything through one sidecar can let
      // it take every activity; half each gives both a share, while waits go through the first.
      const names = Array.from({ length: 20 }, (_, n) => `instance ${n}`);
      const ids = await Promise.all(
        names.map((name, n) =>
          (n % 2 === 0 ? client : secondClient).scheduleNewOrchestration(a.greeter, name),
        ),
      );
      const ranBy: Record<string, number> = {};
      for (const [n, instanceId] of ids.entries()) {
        const state = await client.waitForOrchestrationCompletion(instanceId, true, WAIT_S);
        assert.ok(state, `instance ${instanceId} exists`);
        assert.equal(state.runtimeStatus, OrchestrationStatus.COMPLETED, state.failureDetails?.message);
        const output = JSON.parse(state.serializedOutput ?? 'null') as { greeting: string; by: string };
        assert.equal(output.greeting, `Hello, ${names[n]}!`);
        ranBy[output.by] = (ranBy[output.by] ?? 0) + 1;
      }

      const summary = JSON.stringify({ ranBy, a: a.executed, b: b.executed });
      // Every result was produced once, by one of the two workers.
      assert.equal((ranBy.a ?? 0) + (ranBy.b ?? 0), 20, summary);
      assert.equal(a.executed.activities + b.executed.activities, 20, summary);
      // Both sidecars took work from the shared schema: the second one's worker, reachable only
      // through the second process, ran activities and orchestration turns too.
      assert.ok(a.executed.activities > 0 && b.executed.activities > 0, summary);
      assert.ok(a.executed.turns > 0 && b.executed.turns > 0, summary);

      await Promise.all([a.worker.stop(), b.worker.stop(), client.stop(), secondClient.stop()]);
      assert.equal(await stopProcess(first, 'SIGTERM'), 0, first.stderr());
      assert.equal(await stopProcess(second, 'SIGTERM'), 0, second.stderr());
    });
  });
}
