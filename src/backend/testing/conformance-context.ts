import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDurableTaskError, type ErrorCode } from '../../api/errors.js';
import type { Backend, BackendNotification, OrchestrationWorkItem } from '../backend.js';
import type { FakeClock } from '../../loop/testing/fake-clock.js';
import { completingTurn, startEvent } from './turn-builders.js';
import { leaseOrchestration } from './lease-one.js';

/** What a backend under test provides for one test; `cleanup` releases everything it made. */
export interface ConformanceFixture {
  readonly backend: Backend;
  /** Present when the backend runs on an injected clock; absent means real time (tests sleep). */
  readonly clock?: FakeClock;
  cleanup(): Promise<void>;
}

export type ConformanceFactory = () => Promise<ConformanceFixture>;

/** Lease long enough never to expire by accident during a test. */
export const LONG_LOCK_MS = 60_000;
/** Lease a test lets expire on purpose; short, since real-time backends wait it out. */
export const SHORT_LOCK_MS = 150;
/** Slack added to real-time waits so "after expiry" is really after it. */
const REAL_TIME_SLACK_MS = 30;

/** The per-test view of a backend: time control and a record of notifications. */
export class ConformanceContext {
  readonly backend: Backend;
  readonly notifications: BackendNotification[] = [];
  readonly #clock: FakeClock | undefined;

  constructor(fixture: ConformanceFixture) {
    this.backend = fixture.backend;
    this.#clock = fixture.clock;
  }

  now(): Promise<number> {
    return this.backend.now();
  }

  /** Moves time forward: the fake clock when there is one, else a real wait (plus slack). */
  async advance(ms: number): Promise<void> {
    if (this.#clock) this.#clock.advance(ms);
    else await sleep(ms + REAL_TIME_SLACK_MS);
  }

  /** Creates a plain instance created now (by the backend clock). */
  async create(instanceId: string, input?: string): Promise<void> {
    const at = await this.now();
    await this.backend.createInstance(startEvent(instanceId, at, input !== undefined ? { input } : {}));
  }

  /** Leases the next work item, failing the test if there is none or it is another instance's. */
  async lease(instanceId: string, lockDurationMs = LONG_LOCK_MS): Promise<OrchestrationWorkItem> {
    const item = await leaseOrchestration(this.backend, { lockDurationMs });
    assert.ok(item, `expected a work item for '${instanceId}'`);
    assert.equal(item.instanceId, instanceId);
    return item;
  }

  async assertNoOrchestrationWork(): Promise<void> {
    assert.equal(await leaseOrchestration(this.backend, { lockDurationMs: LONG_LOCK_MS }), undefined);
  }

  /** Creates an instance and completes it at once. */
  async createCompleted(instanceId: string, output?: string): Promise<void> {
    await this.create(instanceId);
    await this.complete(instanceId, output);
  }

  /**
   * Completes an existing instance: leases until its work item comes up (abandoning the others
   * leased on the way, without delay) and commits a completing turn that keeps its columns.
   */
  async complete(instanceId: string, output?: string): Promise<void> {
    const others: OrchestrationWorkItem[] = [];
    try {
      for (;;) {
        const item = await leaseOrchestration(this.backend, { lockDurationMs: LONG_LOCK_MS });
        assert.ok(item, `no work item for '${instanceId}'`);
        if (item.instanceId !== instanceId) {
          others.push(item);
          continue;
        }
        const state = await this.backend.getInstance(instanceId, true);
        assert.ok(state);
        const summary = {
          name: state.name,
          executionId: state.executionId,
          ...(state.input !== undefined && { input: state.input }),
          ...(state.parentInstanceId !== undefined && { parentInstanceId: state.parentInstanceId }),
        };
        await this.backend.commitOrchestrationTurn(
          item,
          completingTurn(instanceId, await this.now(), output, summary),
        );
        return;
      }
    } finally {
      for (const other of others) await this.backend.abandonOrchestrationWorkItem(other, 0);
    }
  }
}

export async function withBackend(
  factory: ConformanceFactory,
  body: (ctx: ConformanceContext) => Promise<void>,
): Promise<void> {
  const fixture = await factory();
  const ctx = new ConformanceContext(fixture);
  const unsubscribe = fixture.backend.subscribe((n) => ctx.notifications.push(n));
  try {
    await body(ctx);
  } finally {
    unsubscribe();
    await fixture.cleanup();
  }
}

/** Asserts that `promise` rejects with a DurableTaskError of `code`. */
export async function assertRejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isDurableTaskError(err, code), `expected ${code}, got ${String(err)}`);
    return true;
  });
}

/** The case names of events, for compact assertions. */
export function kinds(
  events: readonly { eventType: { case: string | undefined } }[],
): (string | undefined)[] {
  return events.map((event) => event.eventType.case);
}
