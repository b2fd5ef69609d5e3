import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { NoOpLogger, TaskHubGrpcClient, TaskHubGrpcWorker } from '@microsoft/durabletask-js';
import { Sidecar } from '../../src/sidecar/sidecar.js';
import { RawSidecarClient } from '../../src/sidecar/testing/raw-client.js';
import type { StoreFactory } from '../scenarios/harness.js';
import { waitUntil } from './harness.js';

/**
 * Sidecar suites parameterised by store, as the scenario suites are: one sidecar over a fresh
 * store (SQLite file or a throwaway PostgreSQL schema), one `@microsoft/durabletask-js` worker
 * and client connected to it for the whole suite.
 */

export interface SdkEnv {
  readonly sidecar: Sidecar;
  readonly address: string;
  readonly client: TaskHubGrpcClient;
  readonly worker: TaskHubGrpcWorker;
  /** A raw protocol client for what the SDK does not expose; closed after the suite. */
  readonly raw: RawSidecarClient;
  readonly factory: StoreFactory;
}

/** A sidecar over a fresh store of `factory`, listening on a free port; `dispose` stops both. */
export async function startStoreSidecar(
  factory: StoreFactory,
): Promise<{ readonly sidecar: Sidecar; readonly address: string; readonly dispose: () => Promise<void> }> {
  const store = await factory.create();
  const sidecar = new Sidecar({
    backend: store.backend,
    shutdownGraceMs: 2_000,
    worker: { pollIntervalMs: 200 },
  });
  const dispose = async (): Promise<void> => {
    try {
      await sidecar.stop();
    } finally {
      await store.dispose();
    }
  };
  try {
    const { port } = await sidecar.start({ host: '127.0.0.1', port: 0 });
    return { sidecar, address: `127.0.0.1:${port}`, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

export function sdkSuite(
  area: string,
  factory: StoreFactory,
  register: (worker: TaskHubGrpcWorker) => void,
  body: (env: () => SdkEnv) => void,
): void {
  describe(`${area} [${factory.name}]`, () => {
    let env: SdkEnv | undefined;
    let dispose: (() => Promise<void>) | undefined;

    before(async () => {
      const started = await startStoreSidecar(factory);
      dispose = started.dispose;
      const { sidecar, address } = started;
      const worker = new TaskHubGrpcWorker({ hostAddress: address, logger: new NoOpLogger() });
      register(worker);
      await worker.start();
      await waitUntil(() => sidecar.executor.stats().streams === 1, 'the worker stream');
      const client = new TaskHubGrpcClient({ hostAddress: address, logger: new NoOpLogger() });
      env = { sidecar, address, client, worker, raw: new RawSidecarClient(address), factory };
    });

    after(async () => {
      try {
        env?.raw.close();
        await Promise.allSettled([env?.worker.stop(), env?.client.stop()]);
      } finally {
        await dispose?.();
      }
    });

    body(() => {
      assert.ok(env, 'the sidecar is not running (before() failed?)');
      return env;
    });
  });
}
