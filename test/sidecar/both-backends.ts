import assert from 'node:assert/strict';
import { after, afterEach, before } from 'node:test';
import { NoOpLogger, TaskHubGrpcClient, type TaskHubGrpcWorker } from '@microsoft/durabletask-js';
import { PostgresBackend } from '../../src/backend/postgres/index.js';
import {
  dropSchema,
  probePostgres,
  TEST_DATABASE_URL,
  testSchemaName,
} from '../../src/backend/postgres/testing/test-database.js';
import { startTestSidecar, waitUntil, type TestSidecar, type TestSidecarOptions } from './harness.js';

export type BackendKind = 'sqlite' | 'postgres';

/**
 * A sidecar on SQLite (a temp file) or PostgreSQL (a throwaway schema, dropped on close), for
 * tests that must hold on both stores.
 */
export async function startSidecarOn(
  kind: BackendKind,
  options: Omit<TestSidecarOptions, 'wrapBackend'> = {},
): Promise<TestSidecar> {
  if (kind === 'sqlite') return startTestSidecar(options);
  const schema = testSchemaName('_sidecar');
  const env = await startTestSidecar({
    ...options,
    wrapBackend: () => new PostgresBackend({ connectionString: TEST_DATABASE_URL, schema, poolSize: 4 }),
  });
  return {
    ...env,
    close: async () => {
      try {
        await env.close();
      } finally {
        await dropSchema(schema);
      }
    },
  };
}

/**
 * The stores to run on: both when PostgreSQL answers; otherwise SQLite only, and in CI a failure
 * (a missing PostgreSQL must not pass unnoticed there).
 */
export async function backendKinds(): Promise<BackendKind[]> {
  const problem = await probePostgres();
  if (problem === undefined) return ['sqlite', 'postgres'];
  const message = `PostgreSQL is not reachable at ${TEST_DATABASE_URL} (${problem})`;
  if (process.env.CI === 'true') throw new Error(message);
  process.stderr.write(`\n!!! ${message}: the PostgreSQL cases are SKIPPED on this machine.\n\n`);
  return ['sqlite'];
}

/** What `sidecarWithWorkers` gives a describe block: set once its `before` hook ran. */
export interface WorkerSuite {
  readonly env: TestSidecar;
  readonly client: TaskHubGrpcClient;
  /** Connects `worker` and waits until the sidecar sees its stream; stopped after the test. */
  connect(worker: TaskHubGrpcWorker): Promise<void>;
  /** Stops the workers connected so far and waits for their streams to close. */
  stopWorkers(): Promise<void>;
}

/**
 * Registers the hooks of a describe block that runs real SDK workers against one sidecar on
 * `kind`: the sidecar and a client for the block, the workers of each test stopped after it.
 */
export function sidecarWithWorkers(
  kind: BackendKind,
  options: Omit<TestSidecarOptions, 'wrapBackend'> = {},
): WorkerSuite {
  let env: TestSidecar | undefined;
  let client: TaskHubGrpcClient | undefined;
  const workers: TaskHubGrpcWorker[] = [];
  const streams = (): number => suite.env.sidecar.executor.stats().streams;
  const suite: WorkerSuite = {
    get env() {
      assert.ok(env, 'the sidecar is started in before()');
      return env;
    },
    get client() {
      assert.ok(client, 'the client is made in before()');
      return client;
    },
    async connect(worker) {
      const before = streams();
      await worker.start();
      workers.push(worker);
      await waitUntil(() => streams() === before + 1, 'the worker stream');
    },
    async stopWorkers() {
      await Promise.all(workers.splice(0).map((worker) => worker.stop()));
      await waitUntil(() => streams() === 0, 'the worker streams to close');
    },
  };
  before(async () => {
    env = await startSidecarOn(kind, options);
    client = new TaskHubGrpcClient({ hostAddress: env.address, logger: new NoOpLogger() });
  });
  afterEach(() => suite.stopWorkers());
  after(async () => {
    await Promise.allSettled([...workers.map((worker) => worker.stop()), client?.stop()]);
    await env?.close();
  });
  return suite;
}
