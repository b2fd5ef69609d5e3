/* eslint-disable @typescript-eslint/no-unsafe-assignment -- the value of a `yield` is typed any, as in durabletask-js */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { failureDetailsFromError, TaskFailedError } from '../api/failure-details.js';
import {
  eventRaisedEvent,
  executionResumedEvent,
  executionSuspendedEvent,
  executionTerminatedEvent,
  subOrchestrationInstanceCompletedEvent,
  subOrchestrationInstanceFailedEvent,
  taskCompletedEvent,
  taskFailedEvent,
  taskScheduledEvent,
  timerCreatedEvent,
  timerFiredEvent,
} from '../runtime/history-events.js';
import type { OrchestrationContext } from './context.js';
import { replayOrchestration } from './replay.js';
import { Registry } from './registry.js';
import type { Task } from './tasks.js';
import {
  INSTANCE_ID,
  ReplayScenario,
  T0,
  describeActions,
  scenarioFor,
  startEvents,
} from './testing/replay-harness.js';

describe('replay: activities', () => {
  test('the first turn schedules an activity; its result completes the instance', async () => {
    const s = scenarioFor('greet', function* (ctx: OrchestrationContext, name: string) {
      const greeting: string = yield ctx.callActivity('hello', name);
      return greeting.toUpperCase();
    });
    assert.deepEqual(await s.start('greet', 'ann'), ['#1 callActivity hello "ann"']);
    assert.deepEqual(await s.next((at) => [taskCompletedEvent(1, '"hi ann"', at)]), [
      '#2 COMPLETED "HI ANN"',
    ]);
  });

  test('a sequence schedules one activity per turn with increasing ids', async () => {
    const s = scenarioFor('chain', function* (ctx: OrchestrationContext, start: number) {
      let value = start;
      for (const step of ['double', 'inc', 'double']) value = (yield ctx.callActivity(step, value)) as number;
      return value;
    });
    assert.deepEqual(await s.start('chain', 3), ['#1 callActivity double 3']);
    assert.deepEqual(await s.next((at) => [taskCompletedEvent(1, '6', at)]), ['#2 callActivity inc 6']);
    assert.deepEqual(await s.next((at) => [taskCompletedEvent(2, '7', at)]), ['#3 callActivity double 7']);
    assert.deepEqual(await s.next((at) => [taskCompletedEvent(3, '14', at)]), ['#4 COMPLETED 14']);
  });

  test('replaying a history with the result already recorded returns only the next action', async () => {
    const registry = new Registry().addNamedOrchestrator('two', function* (ctx: OrchestrationContext) {
      const a: number = yield ctx.callActivity('a');
      const b: number = yield ctx.callActivity('b', a);
      return a + b;
    });
    const response = await replayOrchestration(registry, {
      instanceId: INSTANCE_ID,
      pastEvents: [...startEvents('two'), taskScheduledEvent(1, { name: 'a' }, T0)],
      newEvents: [taskCompletedEvent(1, '5', T0 + 1000)],
    });
    assert.deepEqual(describeActions(response), ['#2 callActivity b 5']);
  });

  test('an activity failure reaches the orchestrator as a TaskFailedError with the details', async () => {
    const seen: unknown[] = [];
    const s = scenarioFor('careful', function* (ctx: OrchestrationContext) {
      try {
        yield ctx.callActivity('risky');
      } catch (err) {
        seen.push(err);
        return 'recovered';
      }
      return 'fine';
    });
    await s.start('careful');
    const boom = new RangeError('out of range');
    assert.deepEqual(await s.next((at) => [taskFailedEvent(1, failureDetailsFromError(boom), at)]), [
      '#2 COMPLETED "recovered"',
    ]);
    const err = seen[0];
    assert.ok(err instanceof TaskFailedError);
    assert.equal(err.message, 'Activity task #1 failed: out of range');
    assert.equal(err.errorType, 'RangeError');
  });

  test('an uncaught activity failure fails the instance with the failure inside', async () => {
    const s = scenarioFor('careless', function* (ctx: OrchestrationContext) {
      yield ctx.callActivity('risky');
    });
    await s.start('careless');
    await s.next((at) => [taskFailedEvent(1, failureDetailsFromError(new TypeError('bad')), at)]);
    const completion = s.last?.actions[0]?.orchestratorActionType;
    assert.equal(completion?.case, 'completeOrchestration');
    const failure = completion.case === 'completeOrchestration' ? completion.value.failureDetails : undefined;
    assert.equal(failure?.errorType, 'TaskFailedError');
    assert.equal(failure?.errorMessage, 'Activity task #1 failed: bad');
    assert.equal(failure?.innerFailure?.errorType, 'TypeError');
  });
});

describe('replay: fan-out / fan-in', () => {
  test('whenAll schedules every task at once and returns results in order', async () => {
    const s = scenarioFor('fan', function* (ctx: OrchestrationContext, items: number[]) {
      const squares: number[] = yield ctx.whenAll(items.map((n) => ctx.callActivity('square', n)));
      return squares;
    });
    assert.deepEqual(await s.start('fan', [1, 2, 3]), [
      '#1 callActivity square 1',
      '#2 callActivity square 2',
      '#3 callActivity square 3',
    ]);
    assert.deepEqual(
      await s.next((at) => [taskCompletedEvent(3, '9', at), taskCompletedEvent(1, '1', at)]),
      [],
    );
    assert.deepEqual(await s.next((at) => [taskCompletedEvent(2, '4', at)]), ['#4 COMPLETED [1,4,9]']);
  });

  test('whenAll waits for every task, then fails with all the failures', async () => {
    const s = scenarioFor('fanFail', function* (ctx: OrchestrationContext) {
      yield ctx.whenAll([ctx.callActivity('a'), ctx.callActivity('b'), ctx.callActivity('c')]);
    });
    await s.start('fanFail');
    assert.deepEqual(
      await s.next((at) => [taskFailedEvent(1, failureDetailsFromError(new Error('a broke')), at)]),
      [],
    );
    assert.deepEqual(
      await s.next((at) => [
        taskCompletedEvent(2, '1', at),
        taskFailedEvent(3, failureDetailsFromError(new Error('c broke')), at),
      ]),
      [
        '#4 FAILED AggregateError: 2 of 3 tasks in the whenAll failed: ' +
          'Activity task #1 failed: a broke; Activity task #3 failed: c broke',
      ],
    );
  });

  test('whenAll of nothing completes at once', async () => {
    const s = scenarioFor('empty', function* (ctx: OrchestrationContext) {
      const all: unknown[] = yield ctx.whenAll([]);
      return all.length;
    });
    assert.deepEqual(await s.start('empty'), ['#1 COMPLETED 0']);
  });

  test('whenAny completes with the first task to settle', async () => {
    const s = scenarioFor('race', function* (ctx: OrchestrationContext) {
      const work = ctx.callActivity('slow');
      const timeout = ctx.createTimer(30);
      const winner: Task<unknown> = yield ctx.whenAny([work, timeout]);
      return winner === timeout ? 'timed out' : work.result;
    });
    assert.deepEqual(await s.start('race'), ['#1 callActivity slow -', '#2 createTimer @30000']);
    assert.deepEqual(await s.next((at) => [timerFiredEvent(2, T0 + 30000, at)]), [
      '#3 COMPLETED "timed out"',
    ]);
  });

  test('whenAny with the activity first', async () => {
    const s = scenarioFor('race', function* (ctx: OrchestrationContext) {
      const work = ctx.callActivity('slow');
      const timeout = ctx.createTimer(30);
      const winner: Task<unknown> = yield ctx.whenAny([work, timeout]);
      if (winner === work) timeout.cancel();
      return winner === timeout ? 'timed out' : work.result;
    });
    await s.start('race');
    assert.deepEqual(await s.next((at) => [taskCompletedEvent(1, '"done"', at)]), ['#3 COMPLETED "done"']);
  });
});

describe('replay: timers', () => {
  test('a timer in seconds fires relative to the turn time; a Date is taken as is', async () => {
    const s = scenarioFor('sleepy', function* (ctx: OrchestrationContext) {
      yield ctx.createTimer(5);
      yield ctx.createTimer(new Date(T0 + 60_000));
      return ctx.currentUtcDateTime.getTime() - T0;
    });
    assert.deepEqual(await s.start('sleepy'), ['#1 createTimer @5000']);
    assert.deepEqual(await s.next((at) => [timerFiredEvent(1, T0 + 5000, at)]), ['#2 createTimer @60000']);
    assert.deepEqual(await s.next((at) => [timerFiredEvent(2, T0 + 60_000, at)]), ['#3 COMPLETED 2000']);
  });

  test('a timer cancelled in the turn that created it is withdrawn', async () => {
    const s = scenarioFor('cancel', function* (ctx: OrchestrationContext) {
      const timer = ctx.createTimer(10);
      timer.cancel();
      return (yield ctx.callActivity('a')) as unknown;
    });
    assert.deepEqual(await s.start('cancel'), ['#2 callActivity a -']);
  });
});

describe('replay: sub-orchestrations', () => {
  test('an explicit instance id is passed; a missing one is left empty for the engine', async () => {
    const s = scenarioFor('parent', function* (ctx: OrchestrationContext) {
      const a: number = yield ctx.callSubOrchestrator('child', 1, { instanceId: 'kid-1' });
      const b: number = yield ctx.callSubOrchestrator('child', 2);
      return a + b;
    });
    assert.deepEqual(await s.start('parent'), ['#1 callSubOrchestrator child id=kid-1 1']);
    assert.deepEqual(await s.next((at) => [subOrchestrationInstanceCompletedEvent(1, '10', at)]), [
      '#2 callSubOrchestrator child id= 2',
    ]);
    assert.deepEqual(await s.next((at) => [subOrchestrationInstanceCompletedEvent(2, '20', at)]), [
      '#3 COMPLETED 30',
    ]);
  });

  test('a sub-orchestration failure propagates to the parent', async () => {
    const s = scenarioFor('parent', function* (ctx: OrchestrationContext) {
      yield ctx.callSubOrchestrator('child');
    });
    await s.start('parent');
    const broke = failureDetailsFromError(new Error('child broke'));
    assert.deepEqual(await s.next((at) => [subOrchestrationInstanceFailedEvent(1, broke, at)]), [
      '#2 FAILED TaskFailedError: Sub-orchestration task #1 failed: child broke',
    ]);
  });

  test('the parent reference is visible to the child', async () => {
    let parent: unknown;
    const registry = new Registry().addNamedOrchestrator('child', (ctx: OrchestrationContext) => {
      parent = ctx.parent;
      return 'ok';
    });
    const started = startEvents('child');
    const executionStarted = started[1]?.eventType;
    if (executionStarted?.case === 'executionStarted') {
      executionStarted.value.parentInstance = {
        $typeName: 'ParentInstanceInfo',
        taskScheduledId: 4,
        name: 'parent',
        orchestrationInstance: { $typeName: 'OrchestrationInstance', instanceId: 'p-1', executionId: 'e' },
      };
    }
    await replayOrchestration(registry, { instanceId: 'c-1', pastEvents: [], newEvents: started });
    assert.deepEqual(parent, { name: 'parent', instanceId: 'p-1', taskScheduledId: 4 });
  });
});

describe('replay: continue-as-new and custom status', () => {
  test('continueAsNew without saving events takes the last sequence number', async () => {
    const s = scenarioFor('loop', function* (ctx: OrchestrationContext, n: number) {
      ctx.sendEvent('other', 'tick', n);
      yield ctx.createTimer(1);
      ctx.continueAsNew(n + 1);
    });
    assert.deepEqual(await s.start('loop', 1, [eventRaisedEvent('ignored', '"x"', T0)]), [
      '#1 sendEvent other tick 1',
      '#2 createTimer @1000',
    ]);
    assert.deepEqual(await s.next((at) => [timerFiredEvent(2, T0 + 1000, at)]), ['#3 CONTINUED_AS_NEW 2']);
  });

  test('continueAsNew with saveEvents carries unconsumed events over, in arrival order', async () => {
    const s = scenarioFor('loop', function* (ctx: OrchestrationContext) {
      const first: unknown = yield ctx.waitForExternalEvent('job');
      ctx.continueAsNew({ last: first }, true);
    });
    await s.start('loop');
    assert.deepEqual(
      await s.next((at) => [
        eventRaisedEvent('job', '1', at),
        eventRaisedEvent('Job', '2', at),
        eventRaisedEvent('other', '"o"', at),
        eventRaisedEvent('job', '3', at),
      ]),
      ['#1 CONTINUED_AS_NEW {"last":1} carryover=[Job=2,other="o",job=3]'],
    );
  });

  test('custom status is returned with the turn; null clears it', async () => {
    const s = scenarioFor('status', function* (ctx: OrchestrationContext) {
      ctx.setCustomStatus({ step: 1 });
      yield ctx.callActivity('a');
      ctx.setCustomStatus(null);
      yield ctx.callActivity('b');
    });
    await s.start('status');
    assert.equal(s.last?.customStatus, '{"step":1}');
    await s.next((at) => [taskCompletedEvent(1, undefined, at)]);
    assert.equal(s.last?.customStatus, undefined);
  });
});

describe('replay: failures and control events', () => {
  test('a thrown error fails the instance with its type, message and stack', async () => {
    class OutOfStock extends Error {
      override name = 'OutOfStock';
    }
    const s = scenarioFor('thrower', function* orderThrower(ctx: OrchestrationContext) {
      yield ctx.callActivity('reserve');
      throw new OutOfStock('no widgets');
    });
    await s.start('thrower');
    assert.deepEqual(await s.next((at) => [taskCompletedEvent(1, undefined, at)]), [
      '#2 FAILED OutOfStock: no widgets',
    ]);
    const action = s.last?.actions[0]?.orchestratorActionType;
    const stack =
      action?.case === 'completeOrchestration' ? action.value.failureDetails?.stackTrace : undefined;
    assert.match(stack ?? '', /orderThrower/);
  });

  test('an unknown orchestrator fails the instance instead of throwing', async () => {
    const s = new ReplayScenario(new Registry());
    assert.deepEqual(await s.start('missing'), [
      "#1 FAILED OrchestratorNotRegisteredError: No orchestrator named 'missing' is registered.",
    ]);
  });

  test('yielding something that is not a task fails the instance', async () => {
    const s = scenarioFor('confused', function* () {
      yield Promise.resolve(1) as unknown as Task<unknown>;
    });
    const [line] = await s.start('confused');
    assert.match(line ?? '', /^#1 FAILED TypeError: An orchestrator must yield tasks/);
  });

  test('history naming another activity at the same number is a non-determinism failure', async () => {
    const registry = new Registry().addNamedOrchestrator('changed', function* (ctx: OrchestrationContext) {
      yield ctx.callActivity('b');
    });
    const response = await replayOrchestration(registry, {
      instanceId: INSTANCE_ID,
      pastEvents: [...startEvents('changed'), taskScheduledEvent(1, { name: 'a' }, T0)],
      newEvents: [taskCompletedEvent(1, undefined, T0 + 1000)],
    });
    const [line] = describeActions(response);
    assert.match(line ?? '', /^#2 FAILED NonDeterminismError: /);
    assert.match(line ?? '', /callActivity 'a' at sequence number 1/);
    assert.match(line ?? '', /code gives callActivity 'b'/);
  });

  test('history with an activity where the code now makes a timer is a non-determinism failure', async () => {
    const registry = new Registry().addNamedOrchestrator('changed', function* (ctx: OrchestrationContext) {
      yield ctx.createTimer(1);
    });
    const response = await replayOrchestration(registry, {
      instanceId: INSTANCE_ID,
      pastEvents: [...startEvents('changed'), taskScheduledEvent(1, { name: 'a' }, T0)],
      newEvents: [],
    });
    const [line] = describeActions(response);
    assert.match(
      line ?? '',
      /NonDeterminismError: .*callActivity 'a' at sequence number 1.*gives createTimer/,
    );
  });

  test('history with a timer the code no longer creates is a non-determinism failure', async () => {
    const registry = new Registry().addNamedOrchestrator('changed', () => 'done');
    const response = await replayOrchestration(registry, {
      instanceId: INSTANCE_ID,
      pastEvents: [...startEvents('changed'), timerCreatedEvent(1, T0 + 5, T0)],
      newEvents: [],
    });
    assert.match(
      describeActions(response).join('|'),
      /FAILED NonDeterminismError: .*createTimer at sequence number 1.*gives completeOrchestration/,
    );
  });

  test('history with a call the code no longer makes is a non-determinism failure', async () => {
    const registry = new Registry().addNamedOrchestrator('changed', function* (ctx: OrchestrationContext) {
      yield ctx.callActivity('a');
    });
    const response = await replayOrchestration(registry, {
      instanceId: INSTANCE_ID,
      pastEvents: [
        ...startEvents('changed'),
        taskScheduledEvent(1, { name: 'a' }, T0),
        taskScheduledEvent(2, { name: 'x' }, T0),
      ],
      newEvents: [],
    });
    assert.match(
      describeActions(response).join('|'),
      /FAILED NonDeterminismError: .*callActivity 'x' at sequence number 2.*gives nothing there/,
    );
  });

  test('while suspended, events are held back until resumed', async () => {
    const s = scenarioFor('pausable', function* (ctx: OrchestrationContext) {
      const a: number = yield ctx.callActivity('a');
      return a;
    });
    await s.start('pausable');
    assert.deepEqual(
      await s.next((at) => [executionSuspendedEvent('maintenance', at), taskCompletedEvent(1, '5', at)]),
      [],
    );
    assert.deepEqual(await s.next((at) => [executionResumedEvent(undefined, at)]), ['#2 COMPLETED 5']);
  });

  test('termination completes the instance TERMINATED with the given output', async () => {
    const s = scenarioFor('longRunning', function* (ctx: OrchestrationContext) {
      yield ctx.callActivity('forever');
    });
    await s.start('longRunning');
    assert.deepEqual(await s.next((at) => [executionTerminatedEvent('"stop"', false, at)]), [
      '#2 TERMINATED "stop"',
    ]);
  });

  test('termination is honoured while suspended', async () => {
    const s = scenarioFor('longRunning', function* (ctx: OrchestrationContext) {
      yield ctx.callActivity('forever');
    });
    await s.start('longRunning');
    assert.deepEqual(
      await s.next((at) => [
        executionSuspendedEvent(undefined, at),
        executionTerminatedEvent(undefined, false, at),
      ]),
      ['#2 TERMINATED -'],
    );
  });
});
