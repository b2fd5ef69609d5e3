/**
 * Golden test: the same orchestrator code runs under @microsoft/durabletask-js's own executor and
 * under ours, over the same history, turn by turn; both must return identical actions (same
 * sequence numbers, same payloads). The history is built from the actions, so an instance begun
 * by either SDK can be finished by the other.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { fromBinary, toBinary, toJson } from '@bufbuild/protobuf';
import {
  HistoryEventSchema,
  OrchestratorActionSchema,
  type HistoryEvent,
  type OrchestratorAction,
} from '../proto/orchestrator_service_pb.js';
import { failureDetailsFromError } from '../api/failure-details.js';
import {
  eventRaisedEvent,
  orchestratorStartedEvent,
  subOrchestrationInstanceCompletedEvent,
  taskCompletedEvent,
  taskFailedEvent,
  timerFiredEvent,
} from '../runtime/history-events.js';
import { confirmActions } from './history-builder.js';
import { replayOrchestration } from './replay.js';
import { Registry } from './registry.js';
import { whenAll, whenAny } from './composite-tasks.js';
import { INSTANCE_ID, T0, describeAction, startEvents } from './testing/replay-harness.js';

// ---- the third-party SDK, loaded through its CommonJS build ----------------------------------
interface TheirProtoMessage {
  serializeBinary(): Uint8Array;
}
interface TheirExecutor {
  execute(
    instanceId: string,
    oldEvents: unknown[],
    newEvents: unknown[],
    executionId?: string,
  ): Promise<{ actions: TheirProtoMessage[]; customStatus?: string }>;
}
type TheirTask = object;
const require = createRequire(import.meta.url);
const dist = '@microsoft/durabletask-js/dist';
const theirPb = require(`${dist}/proto/orchestrator_service_pb.js`) as {
  HistoryEvent: { deserializeBinary(bytes: Uint8Array): unknown };
};
const { OrchestrationExecutor } = require(`${dist}/worker/orchestration-executor.js`) as {
  OrchestrationExecutor: new (registry: unknown, logger: unknown) => TheirExecutor;
};
const { Registry: TheirRegistry } = require(`${dist}/worker/registry.js`) as {
  Registry: new () => { addNamedOrchestrator(name: string, fn: unknown): void };
};
const theirTasks = require(`${dist}/task/index.js`) as {
  whenAll(tasks: TheirTask[]): TheirTask;
  whenAny(tasks: TheirTask[]): TheirTask;
};
const { RetryPolicy: TheirRetryPolicy } = require(`${dist}/task/retry/retry-policy.js`) as {
  RetryPolicy: new (options: Record<string, number>) => object;
};
const quiet = { error() {}, warn() {}, info() {}, debug() {} };

// ---- the orchestrator, written once against the API both SDKs share -------------------------
interface SharedContext {
  callActivity(name: string, input?: unknown, options?: { retry?: unknown }): TheirTask;
  callSubOrchestrator(name: string, input?: unknown, options?: { instanceId?: string }): TheirTask;
  createTimer(fireAt: number | Date): TheirTask;
  waitForExternalEvent(name: string): TheirTask;
  sendEvent(instanceId: string, name: string, data?: unknown): void;
  setCustomStatus(value: unknown): void;
  continueAsNew(input: unknown, saveEvents: boolean): void;
  newGuid(): string;
}
interface Tools {
  readonly whenAll: (tasks: TheirTask[]) => TheirTask;
  readonly whenAny: (tasks: TheirTask[]) => TheirTask;
  readonly retry: unknown;
}

async function* tour(
  ctx: SharedContext,
  input: string,
  tools: Tools,
): AsyncGenerator<TheirTask, unknown, never> {
  const greeting: string = yield ctx.callActivity('hello', input);
  const pause = ctx.createTimer(5);
  const charge = ctx.callActivity('charge', greeting, { retry: tools.retry });
  yield tools.whenAll([pause, charge]);
  ctx.sendEvent('audit-1', 'charged', { greeting });
  const squares: number[] = yield tools.whenAll([1, 2, 3].map((n) => ctx.callActivity('square', n)));
  const child: string = yield ctx.callSubOrchestrator('child', squares, { instanceId: 'child-1' });
  const approval: string = yield ctx.waitForExternalEvent('Approval');
  const slow = ctx.callActivity('slow');
  const deadline = ctx.createTimer(60);
  const winner: TheirTask = yield tools.whenAny([slow, deadline]);
  ctx.setCustomStatus({ winner: winner === deadline ? 'deadline' : 'slow' });
  let recovered = '';
  try {
    yield ctx.callActivity('explode');
  } catch (err) {
    recovered = (err as Error).message;
  }
  return { greeting, squares, child, approval, recovered, guid: ctx.newGuid() };
}

async function* restart(ctx: SharedContext, round: number): AsyncGenerator<TheirTask, unknown, never> {
  yield ctx.createTimer(1);
  ctx.sendEvent('audit-1', 'round', round);
  ctx.continueAsNew(round + 1, true);
  return undefined;
}

const ours = new Registry()
  .addNamedOrchestrator('tour', (ctx, input: string) =>
    tour(ctx as unknown as SharedContext, input, {
      whenAll: (tasks) => whenAll(tasks as never[]),
      whenAny: (tasks) => whenAny(tasks as never[]),
      retry: { maxNumberOfAttempts: 3, firstRetryIntervalMs: 1500, backoffCoefficient: 2 },
    }),
  )
  .addNamedOrchestrator('restart', (ctx, round: number) => restart(ctx as unknown as SharedContext, round));

const theirs = new TheirRegistry();
theirs.addNamedOrchestrator('tour', (ctx: SharedContext, input: string) =>
  tour(ctx, input, {
    whenAll: (tasks) => theirTasks.whenAll(tasks),
    whenAny: (tasks) => theirTasks.whenAny(tasks),
    retry: new TheirRetryPolicy({
      maxNumberOfAttempts: 3,
      firstRetryIntervalInMilliseconds: 1500,
      backoffCoefficient: 2,
    }),
  }),
);
theirs.addNamedOrchestrator('restart', (ctx: SharedContext, round: number) => restart(ctx, round));

// ---- running both ----------------------------------------------------------------------------
function toTheirs(events: readonly HistoryEvent[]): unknown[] {
  return events.map((event) => theirPb.HistoryEvent.deserializeBinary(toBinary(HistoryEventSchema, event)));
}

/** Actions as comparable JSON; carryover events compared by name and payload only. */
function normalize(actions: readonly OrchestratorAction[]): unknown[] {
  return actions.map((action) => {
    const json = toJson(OrchestratorActionSchema, action) as Record<string, unknown>;
    const kind = action.orchestratorActionType;
    if (kind.case === 'completeOrchestration' && kind.value.carryoverEvents.length > 0) {
      json.carryover = kind.value.carryoverEvents.map((event) =>
        event.eventType.case === 'eventRaised'
          ? [event.eventType.value.name.toLowerCase(), event.eventType.value.input]
          : [],
      );
      delete (json.completeOrchestration as Record<string, unknown>).carryoverEvents;
    }
    return json;
  });
}

interface Turn {
  readonly ours: OrchestratorAction[];
  readonly theirs: OrchestratorAction[];
  readonly ourStatus: string | undefined;
  readonly theirStatus: string | undefined;
}

async function runBoth(past: HistoryEvent[], fresh: HistoryEvent[]): Promise<Turn> {
  const mine = await replayOrchestration(ours, {
    instanceId: INSTANCE_ID,
    pastEvents: past,
    newEvents: fresh,
  });
  const executor = new OrchestrationExecutor(theirs, quiet);
  const other = await executor.execute(INSTANCE_ID, toTheirs(past), toTheirs(fresh), 'exec-1');
  return {
    ours: mine.actions,
    theirs: other.actions.map((action) => fromBinary(OrchestratorActionSchema, action.serializeBinary())),
    ourStatus: mine.customStatus,
    theirStatus: other.customStatus,
  };
}

/** A scripted engine: confirms every action and answers it in the next turn. */
function answer(
  actions: readonly OrchestratorAction[],
  at: number,
  attempts: Map<string, number>,
): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  for (const action of actions) {
    const kind = action.orchestratorActionType;
    if (kind.case === 'scheduleTask') {
      const name = kind.value.name;
      const attempt = (attempts.get(name) ?? 0) + 1;
      attempts.set(name, attempt);
      const input = kind.value.input === undefined ? undefined : (JSON.parse(kind.value.input) as unknown);
      if (name === 'hello')
        events.push(taskCompletedEvent(action.id, JSON.stringify(`hello ${String(input)}`), at));
      if (name === 'square') events.push(taskCompletedEvent(action.id, String(Number(input) ** 2), at));
      if (name === 'charge' && attempt === 1)
        events.push(taskFailedEvent(action.id, failureDetailsFromError(new Error('card offline')), at));
      if (name === 'charge' && attempt > 1) events.push(taskCompletedEvent(action.id, '"charged"', at));
      if (name === 'explode')
        events.push(taskFailedEvent(action.id, failureDetailsFromError(new Error('kaboom')), at));
      // 'slow' never answers.
    } else if (kind.case === 'createTimer') {
      events.push(timerFiredEvent(action.id, at, at));
    } else if (kind.case === 'createSubOrchestration') {
      events.push(subOrchestrationInstanceCompletedEvent(action.id, '"child done"', at));
    }
  }
  return events;
}

async function playBoth(name: string, input: unknown, early: HistoryEvent[]): Promise<string[]> {
  const past: HistoryEvent[] = [];
  let fresh = [...startEvents(name, input), ...early];
  const attempts = new Map<string, number>();
  const transcript: string[] = [];
  for (let turn = 0; turn < 20; turn++) {
    const result = await runBoth(past, fresh);
    assert.deepEqual(normalize(result.ours), normalize(result.theirs), `actions differ in turn ${turn}`);
    assert.equal(result.ourStatus, result.theirStatus, `custom status differs in turn ${turn}`);
    transcript.push(...result.ours.map(describeAction));
    if (result.ours.some((action) => action.orchestratorActionType.case === 'completeOrchestration')) {
      // A fresh worker replaying the whole history agrees too.
      const replay = await runBoth(
        [...past, ...fresh, ...confirmActions(result.ours, T0)],
        [orchestratorStartedEvent(T0 + 100_000)],
      );
      assert.deepEqual(normalize(replay.ours), normalize(replay.theirs));
      return transcript;
    }
    const at = T0 + (turn + 1) * 1000;
    past.push(...fresh, ...confirmActions(result.ours, at - 500));
    fresh = [orchestratorStartedEvent(at), ...answer(result.ours, at, attempts)];
  }
  throw new Error('the orchestration did not complete in 20 turns');
}

describe('interchangeable with @microsoft/durabletask-js', () => {
  test('activities, timers, retries, fan-out, sub-orchestrations, events, whenAny, failures', async () => {
    const transcript = await playBoth('tour', 'ann', [eventRaisedEvent('APPROVAL', '"yes"', T0)]);
    // The numbering both SDKs agreed on, spelled out.
    assert.deepEqual(
      transcript.map((line) => line.split(' ').slice(0, 3).join(' ')),
      [
        '#1 callActivity hello',
        '#2 createTimer @6000',
        '#3 callActivity charge',
        '#4 createTimer @3500',
        '#5 callActivity charge',
        '#6 sendEvent audit-1',
        '#7 callActivity square',
        '#8 callActivity square',
        '#9 callActivity square',
        '#10 callSubOrchestrator child',
        '#11 callActivity slow',
        '#12 createTimer @66000',
        '#13 callActivity explode',
        '#14 COMPLETED {"greeting":"hello',
      ],
    );
    assert.match(transcript.at(-1) ?? '', /"recovered":"Activity task #13 failed: kaboom"/);
  });

  test('continue-as-new with saved events', async () => {
    const transcript = await playBoth('restart', 1, [eventRaisedEvent('later', '"keep me"', T0)]);
    assert.deepEqual(transcript, [
      '#1 createTimer @1000',
      '#2 sendEvent audit-1 round 1',
      '#3 CONTINUED_AS_NEW 2 carryover=[later="keep me"]',
    ]);
  });
});
