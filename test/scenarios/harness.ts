import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import type { OrchestrationStatus } from '../../src/index.js';
import {
  DurableTaskEngine,
  Registry,
  statusName,
  type Backend,
  type DurableTaskEngineOptions,
  type InstanceState,
  type TaskHubClient,
} from '../../src/index.js';

/** A stored history event, as the client returns it. */
export type HistoryEvent = Awaited<ReturnType<TaskHubClient['getOrchestrationHistory']>>[number];
export type HistoryEventCase = HistoryEvent['eventType']['case'];

/**
 * The scenario harness: every scenario file registers its tests through `scenarioSuite` for a
 * given store factory, so each backend (SQLite today, PostgreSQL later) runs the same scenarios
 * with one line per file.
 */

/** One store for one suite: a backend over fresh, empty storage. */
export interface ScenarioStore {
  readonly backend: Backend;
  /** Another backend over the same storage (for a second engine after the first stopped). */
  openBackend(): Backend;
  /** How many stored rows of any kind (instance, history, inbox, tasks) mention the instance. */
  rowsFor(instanceId: string): Promise<number>;
  /** Removes the storage (files, schemas); called after every engine on it has stopped. */
  dispose(): Promise<void>;
}

export interface StoreFactory {
  /** Shown in the suite names, e.g. "SQLite file". */
  readonly name: string;
  create(): Promise<ScenarioStore>;
}

/** What a scenario sees: a running engine (worker + client) on a fresh store. */
export interface Scenario {
  readonly engine: DurableTaskEngine;
  readonly client: TaskHubClient;
  readonly store: ScenarioStore;
  readonly factory: StoreFactory;
  /** Registers the orchestrators and activities of the suite on a registry (for extra engines). */
  readonly register: (registry: Registry) => void;
}

export interface ScenarioSuiteOptions {
  /** Worker tuning for the suite's engine; only where a scenario needs it. */
  readonly worker?: DurableTaskEngineOptions['worker'];
  /** Run the suite's tests one after the other (default: concurrently). */
  readonly sequential?: boolean;
}

/**
 * Declares `describe("<area> [<store>]")` with one engine started before its tests and stopped
 * (store removed) after them. `body` declares the tests; `scenario()` gives them the engine.
 * Tests run concurrently unless `sequential`, so they must use distinct instance ids.
 */
export function scenarioSuite(
  area: string,
  factory: StoreFactory,
  register: (registry: Registry) => void,
  body: (scenario: () => Scenario) => void,
  options: ScenarioSuiteOptions = {},
): void {
  describe(`${area} [${factory.name}]`, { concurrency: !options.sequential }, () => {
    let current: Scenario | undefined;
    let store: ScenarioStore | undefined;

    before(async () => {
      store = await factory.create();
      const registry = new Registry();
      register(registry);
      const engine = new DurableTaskEngine({
        backend: store.backend,
        registry,
        ...(options.worker !== undefined && { worker: options.worker }),
      });
      await engine.start();
      current = { engine, client: engine.client, store, factory, register };
    });

    after(async () => {
      try {
        if (current) {
          await current.client.stop();
          await current.engine.stop();
        }
      } finally {
        await store?.dispose();
      }
    });

    body(() => {
      assert.ok(current, 'the scenario engine is not running (before() failed?)');
      return current;
    });
  });
}

/** Generous bound on every wait, so a lost wake-up fails the test instead of hanging it. */
export const WAIT = { timeoutMs: 20_000 } as const;

let idCounter = 0;

/** A readable instance id unique within the process. */
export function uniqueId(label: string): string {
  idCounter += 1;
  return `${label}-${process.pid}-${idCounter}-${Date.now().toString(36)}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Re-reads the instance until `accept` holds (no client wait exists for that); bounded. */
export async function waitForState(
  client: TaskHubClient,
  instanceId: string,
  accept: (state: InstanceState) => boolean,
  what: string,
  timeoutMs = WAIT.timeoutMs,
): Promise<InstanceState> {
  const deadline = Date.now() + timeoutMs;
  let last: InstanceState | undefined;
  while (Date.now() < deadline) {
    last = await client.getOrchestrationState(instanceId);
    if (last && accept(last)) return last;
    await sleep(20);
  }
  assert.fail(
    `instance ${instanceId} never reached ${what}; last status ${last ? statusName(last.status) : 'none'}`,
  );
}

export function waitForStatus(
  client: TaskHubClient,
  instanceId: string,
  status: OrchestrationStatus,
): Promise<InstanceState> {
  return waitForState(client, instanceId, (state) => state.status === status, statusName(status));
}

/** Waits for the instance to end and checks that it ended COMPLETED; returns its parsed output. */
export async function completedOutput(client: TaskHubClient, instanceId: string): Promise<unknown> {
  const state = await client.waitForOrchestrationCompletion(instanceId, WAIT);
  assert.equal(
    statusName(state.status),
    'COMPLETED',
    `instance ${instanceId} failed: ${state.failureDetails?.errorType}: ${state.failureDetails?.errorMessage}`,
  );
  return state.output === undefined ? undefined : JSON.parse(state.output);
}

/** The event types of a history, in order. */
export async function historyShape(client: TaskHubClient, instanceId: string): Promise<HistoryEventCase[]> {
  const history = await client.getOrchestrationHistory(instanceId);
  return history.map((event) => event.eventType.case);
}

function epochMs(timestamp: { seconds: bigint; nanos: number } | undefined): number {
  return timestamp === undefined ? 0 : Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1e6);
}

/**
 * For each TimerCreated of a history: how long after the time of its turn (the preceding
 * OrchestratorStarted, the orchestrator's current time) the timer was set to fire, in ms.
 */
export function timerDelaysMs(history: readonly HistoryEvent[]): number[] {
  let turnTime = 0;
  const delays: number[] = [];
  for (const event of history) {
    if (event.eventType.case === 'orchestratorStarted') turnTime = epochMs(event.timestamp);
    if (event.eventType.case === 'timerCreated')
      delays.push(epochMs(event.eventType.value.fireAt) - turnTime);
  }
  return delays;
}
