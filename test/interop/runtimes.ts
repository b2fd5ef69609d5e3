import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NoOpLogger, TaskHubGrpcClient, TaskHubGrpcWorker } from '@microsoft/durabletask-js';
import { SqliteBackend } from '../../src/backend/sqlite/index.js';
import { DurableTaskEngine } from '../../src/embedded/index.js';
import type { HistoryEvent } from '../../src/proto/orchestrator_service_pb.js';
import { Registry } from '../../src/sdk/registry.js';
import { Sidecar } from '../../src/sidecar/sidecar.js';

/** One SQLite file in a fresh temp folder, shared by the runtimes that take turns on it. */
export interface SharedStore {
  readonly path: string;
  dispose(): void;
}

export function sharedStore(): SharedStore {
  const dir = mkdtempSync(join(tmpdir(), 'durabletask-interop-'));
  return { path: join(dir, 'hub.db'), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Short polls: each runtime is alone on the file while it runs, but wake-ups stay prompt. */
const WORKER_TUNING = { pollIntervalMs: 200 } as const;

/** The in-process runtime: our SDK's orchestrators and activities on the file. */
export async function startEngineOn(path: string, register: (registry: Registry) => void) {
  const registry = new Registry();
  register(registry);
  const engine = new DurableTaskEngine({
    backend: new SqliteBackend({ path, synchronous: 'NORMAL' }),
    registry,
    worker: WORKER_TUNING,
  });
  await engine.start();
  return engine;
}

/** The sidecar runtime: a Sidecar on the file, a durabletask-js worker and client connected to it. */
export interface SidecarRuntime {
  readonly sidecar: Sidecar;
  readonly client: TaskHubGrpcClient;
  readonly worker: TaskHubGrpcWorker;
  stop(): Promise<void>;
}

export async function startSidecarOn(
  path: string,
  register: (worker: TaskHubGrpcWorker) => void,
): Promise<SidecarRuntime> {
  const sidecar = new Sidecar({
    backend: new SqliteBackend({ path, synchronous: 'NORMAL' }),
    shutdownGraceMs: 2_000,
    worker: WORKER_TUNING,
  });
  const { port } = await sidecar.start({ host: '127.0.0.1', port: 0 });
  const address = `127.0.0.1:${port}`;
  const worker = new TaskHubGrpcWorker({
    hostAddress: address,
    logger: new NoOpLogger(),
    shutdownTimeoutMs: 2_000,
  });
  register(worker);
  const client = new TaskHubGrpcClient({ hostAddress: address, logger: new NoOpLogger() });
  try {
    await worker.start();
    await waitUntil(() => sidecar.executor.stats().streams === 1, 'the durabletask-js worker stream');
  } catch (err) {
    await Promise.allSettled([worker.stop(), client.stop()]);
    await sidecar.stop();
    throw err;
  }
  return {
    sidecar,
    client,
    worker,
    stop: async () => {
      await Promise.allSettled([worker.stop(), client.stop()]);
      await sidecar.stop();
    },
  };
}

/** Polls `condition` until it holds; fails after `timeoutMs` (generous: the machines are shared). */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * A history event reduced to what both SDKs must agree on: its kind, its task id (or the id it
 * resolves), names and payloads. Times, execution ids and tags are left out.
 */
export function eventShape(event: HistoryEvent): string {
  const e = event.eventType;
  const payload = (text: string | undefined): string => text ?? '-';
  if (e.case === 'executionStarted') return `executionStarted ${e.value.name} ${payload(e.value.input)}`;
  if (e.case === 'taskScheduled')
    return `taskScheduled #${event.eventId} ${e.value.name} ${payload(e.value.input)}`;
  if (e.case === 'taskCompleted')
    return `taskCompleted ->#${e.value.taskScheduledId} ${payload(e.value.result)}`;
  if (e.case === 'timerCreated') return `timerCreated #${event.eventId}`;
  if (e.case === 'timerFired') return `timerFired ->#${e.value.timerId}`;
  if (e.case === 'eventRaised') return `eventRaised ${e.value.name} ${payload(e.value.input)}`;
  if (e.case === 'executionCompleted') {
    return `executionCompleted ${e.value.orchestrationStatus} ${payload(e.value.result)}`;
  }
  return e.case ?? 'empty'; // not produced by the orchestration under test
}

const RESULTS = new Set<HistoryEvent['eventType']['case']>(['taskCompleted', 'timerFired', 'eventRaised']);

/**
 * The shapes of a history, comparable across runs: turn markers are left out (their number
 * depends on how results were batched into turns), and each run of results arriving together is
 * sorted (parallel activities finish in any order).
 */
export function historyShape(history: readonly HistoryEvent[]): string[] {
  const shapes: string[] = [];
  let results: string[] = [];
  const flush = (): void => {
    shapes.push(...results.sort());
    results = [];
  };
  for (const event of history) {
    const kind = event.eventType.case;
    if (kind === 'orchestratorStarted' || kind === 'orchestratorCompleted') continue;
    if (RESULTS.has(kind)) {
      results.push(eventShape(event));
      continue;
    }
    flush();
    shapes.push(eventShape(event));
  }
  flush();
  return shapes;
}
