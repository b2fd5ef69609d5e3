import { NoOpLogger, TaskHubGrpcClient, TaskHubGrpcWorker } from '@microsoft/durabletask-js';
import { waitUntil, type TestSidecar } from './harness.js';

/** A `@microsoft/durabletask-js` worker and client connected to a test sidecar. */
export interface SdkConnection {
  readonly worker: TaskHubGrpcWorker;
  readonly client: TaskHubGrpcClient;
  close(): Promise<void>;
}

/** Starts a worker with what `register` adds, waits for its stream, and opens a client. */
export async function connectSdk(
  env: TestSidecar,
  register: (worker: TaskHubGrpcWorker) => void,
): Promise<SdkConnection> {
  const worker = new TaskHubGrpcWorker({ hostAddress: env.address, logger: new NoOpLogger() });
  register(worker);
  await worker.start();
  await waitUntil(() => env.sidecar.executor.stats().streams >= 1, 'the worker stream');
  const client = new TaskHubGrpcClient({ hostAddress: env.address, logger: new NoOpLogger() });
  return {
    worker,
    client,
    close: async () => {
      await Promise.allSettled([worker.stop(), client.stop()]);
    },
  };
}
