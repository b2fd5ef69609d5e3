import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  NoOpLogger,
  OrchestrationStatus,
  TaskHubGrpcClient,
  TaskHubGrpcWorker,
} from '@microsoft/durabletask-js';
import { registerDurabletaskJsOrchestrations } from '../workloads/durabletask-js-orchestrations.js';
import type { RunningTarget, Tuning } from './config.js';
import { READY_MARKER, USAGE_MARKER, type ProcessUsage } from './sidecar-protocol.js';
import type { StoreSpec } from './stores.js';

const SIDECAR_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'sidecar-process.ts');
/** The SDK client gives up a wait after this long (its own default is 60 s). */
const WAIT_TIMEOUT_S = 300;
const START_TIMEOUT_MS = 60_000;
/**
 * Extra node flags for the sidecar process, space-separated (for example
 * `--cpu-prof --cpu-prof-dir=/tmp/prof`): NODE_OPTIONS refuses some of them.
 */
const SIDECAR_NODE_FLAGS = (process.env['BENCH_SIDECAR_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== '');

/**
 * Starts the sidecar in a child process on `store`, then a @microsoft/durabletask-js worker (with
 * the bench orchestrations) and client in this process, connected over gRPC on 127.0.0.1.
 */
export async function startSidecarTarget(store: StoreSpec, tuning: Tuning): Promise<RunningTarget> {
  const sidecar = await SidecarProcess.spawn(store, tuning);
  const hostAddress = `127.0.0.1:${sidecar.port}`;
  const worker = new TaskHubGrpcWorker({ hostAddress, logger: new NoOpLogger() });
  registerDurabletaskJsOrchestrations(worker);
  const client = new TaskHubGrpcClient({ hostAddress, logger: new NoOpLogger() });
  try {
    await worker.start();
  } catch (err) {
    await sidecar.stop();
    throw err;
  }
  return {
    schedule: (orchestration, input) => client.scheduleNewOrchestration(orchestration, input),
    async waitForCompletion(instanceId) {
      const state = await client.waitForOrchestrationCompletion(instanceId, true, WAIT_TIMEOUT_S);
      if (!state) return { status: 'NOT_FOUND', output: undefined };
      return { status: OrchestrationStatus[state.runtimeStatus], output: state.serializedOutput };
    },
    externalUsage: () => sidecar.usage(),
    async stop() {
      try {
        await client.stop();
        await worker.stop();
      } finally {
        await sidecar.stop();
      }
    },
  };
}

/** The sidecar child process and its line protocol (see sidecar-process.ts). */
class SidecarProcess {
  readonly port: number;
  readonly #child: ChildProcessByStdio<Writable, Readable, null>;
  readonly #usageWaiters: ((usage: ProcessUsage) => void)[];
  readonly #exited: Promise<void>;

  private constructor(
    port: number,
    child: ChildProcessByStdio<Writable, Readable, null>,
    usageWaiters: ((usage: ProcessUsage) => void)[],
    exited: Promise<void>,
  ) {
    this.port = port;
    this.#child = child;
    this.#usageWaiters = usageWaiters;
    this.#exited = exited;
  }

  static spawn(store: StoreSpec, tuning: Tuning): Promise<SidecarProcess> {
    const child = spawn(
      process.execPath,
      [...SIDECAR_NODE_FLAGS, '--import', 'tsx', SIDECAR_SCRIPT, JSON.stringify({ store, tuning })],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const usageWaiters: ((usage: ProcessUsage) => void)[] = [];
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('the sidecar process did not start in time'));
      }, START_TIMEOUT_MS);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the sidecar process exited (${code}) before it was ready`));
      });
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (line.startsWith(READY_MARKER)) {
          clearTimeout(timer);
          resolve(new SidecarProcess(Number(line.slice(READY_MARKER.length)), child, usageWaiters, exited));
        } else if (line.startsWith(USAGE_MARKER)) {
          usageWaiters.shift()?.(JSON.parse(line.slice(USAGE_MARKER.length)) as ProcessUsage);
        }
      });
    });
  }

  usage(): Promise<ProcessUsage> {
    return new Promise((resolve) => {
      this.#usageWaiters.push(resolve);
      this.#child.stdin.write('usage\n');
    });
  }

  /** Asks the sidecar to stop and waits for the process to exit. */
  async stop(): Promise<void> {
    if (this.#child.exitCode === null) this.#child.stdin.end('stop\n');
    await this.#exited;
  }
}
