import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { NoOpLogger, type OrchestrationContext } from '@microsoft/durabletask-js';
import type * as SdkProto from '@microsoft/durabletask-js/dist/proto/orchestrator_service_pb.js';
import { OrchestrationExecutor } from '@microsoft/durabletask-js/dist/worker/orchestration-executor.js';
import { Registry } from '@microsoft/durabletask-js/dist/worker/registry.js';
import { OrchestrationStatus } from '../api/status.js';
import {
  HistoryEventSchema,
  OrchestratorActionSchema,
  OrchestratorResponseSchema,
  type HistoryEvent,
} from '../proto/orchestrator_service_pb.js';
import { applyResponse } from './apply-response.js';
import {
  eventOf,
  eventRaisedEvent,
  executionResumedEvent,
  executionSuspendedEvent,
  executionTerminatedEvent,
  subOrchestrationInstanceCompletedEvent,
  taskCompletedEvent,
} from './history-events.js';
import { planTurn } from './plan-turn.js';
import { INSTANCE, renderAll, sequentialIds, startEvent, T0 } from './testing/histories.js';
import type { TurnResult } from './turn.js';

/**
 * The histories the runtime writes replay in the real JavaScript SDK (@microsoft/durabletask-js):
 * every turn hands the SDK the full history, and any shape it does not accept (a wrong event id, a
 * missing scheduling event) surfaces as a non-determinism failure of the orchestration.
 */

// eslint-disable-next-line require-yield
async function* subOrchestrator(): AsyncGenerator<unknown, unknown, unknown> {
  return 'unused';
}

async function* workflow(
  ctx: OrchestrationContext,
  input: number,
): AsyncGenerator<unknown, unknown, unknown> {
  const doubled = (yield ctx.callActivity('double', input)) as number;
  yield ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 1000));
  const approval = (yield ctx.waitForExternalEvent('approve')) as string;
  const child = (yield ctx.callSubOrchestrator(subOrchestrator, doubled)) as string;
  ctx.setCustomStatus('almost');
  return `${doubled}/${approval}/${child}`;
}

async function* looping(ctx: OrchestrationContext, count: number): AsyncGenerator<unknown, unknown, unknown> {
  const got = (yield ctx.waitForExternalEvent('tick')) as number;
  if (count + got < 3) {
    ctx.continueAsNew(count + got, true);
    return undefined;
  }
  return count + got;
}

// The SDK's generated protobuf module is CommonJS whose exports ESM cannot see statically.
const sdkPb = createRequire(import.meta.url)(
  '@microsoft/durabletask-js/dist/proto/orchestrator_service_pb.js',
) as typeof SdkProto;

const registry = new Registry();
registry.addNamedOrchestrator('workflow', workflow);
registry.addNamedOrchestrator('looping', looping);
registry.addOrchestrator(subOrchestrator);

function toSdk(event: HistoryEvent): SdkProto.HistoryEvent {
  return sdkPb.HistoryEvent.deserializeBinary(toBinary(HistoryEventSchema, event));
}

/** A tiny single-instance engine: the inbox, the stored history, and the work the turns emit. */
class Harness {
  history: HistoryEvent[] = [];
  inbox: HistoryEvent[] = [];
  now = T0;
  customStatus: string | undefined;
  readonly results: TurnResult[] = [];
  readonly newId = sequentialIds('exec');

  async turn(expectAccepted = true): Promise<TurnResult> {
    this.now += 1000;
    const plan = planTurn(
      {
        instanceId: INSTANCE,
        pastEvents: this.history,
        newEvents: this.inbox,
        now: this.now,
        ...(this.customStatus !== undefined && { customStatus: this.customStatus }),
      },
      { newId: this.newId },
    );
    this.inbox = [];
    let result: TurnResult;
    if (plan.kind === 'commit') {
      result = plan.result;
    } else {
      const executor = new OrchestrationExecutor(registry, new NoOpLogger());
      const answer = await executor.execute(
        plan.request.instanceId,
        plan.request.pastEvents.map(toSdk),
        plan.request.newEvents.map(toSdk),
      );
      const response = create(OrchestratorResponseSchema, {
        instanceId: INSTANCE,
        actions: answer.actions.map((action) =>
          fromBinary(OrchestratorActionSchema, action.serializeBinary()),
        ),
        ...(answer.customStatus !== undefined && { customStatus: answer.customStatus }),
      });
      result = applyResponse(plan, response, this.now);
    }
    this.history = result.historyReplaced
      ? [...result.historyEvents]
      : [...this.history, ...result.historyEvents];
    this.inbox.push(...result.requeue);
    this.customStatus = result.summary.customStatus;
    this.results.push(result);
    if (!expectAccepted) return result;
    assert.notEqual(
      result.summary.status,
      OrchestrationStatus.FAILED,
      `the SDK rejected the history: ${result.summary.failureDetails?.errorMessage}`,
    );
    return result;
  }
}

describe('histories replay in @microsoft/durabletask-js', () => {
  test('activity, timer, external event and sub-orchestration, with a suspension in between', async () => {
    const engine = new Harness();
    engine.inbox.push(startEvent({ name: 'workflow', input: '21' }));

    const first = await engine.turn();
    assert.equal(first.activities.length, 1);
    assert.equal(eventOf(first.activities[0]!.event, 'taskScheduled')?.name, 'double');
    const task = first.activities[0]!;
    engine.inbox.push(taskCompletedEvent(task.taskId, '42', engine.now));

    const second = await engine.turn();
    assert.equal(second.timers.length, 1);
    const timer = second.timers[0]!;

    engine.inbox.push(executionSuspendedEvent('hold', engine.now), timer.event);
    const suspended = await engine.turn();
    assert.equal(suspended.summary.status, OrchestrationStatus.SUSPENDED);

    engine.inbox.push(eventRaisedEvent('approve', '"yes"', engine.now));
    await engine.turn();

    engine.inbox.push(executionResumedEvent('go on', engine.now));
    const resumed = await engine.turn();
    assert.equal(resumed.messages.length, 1, 'the timer and the event were replayed after the resume');
    const childStart = eventOf(resumed.messages[0]!.event, 'executionStarted');
    assert.equal(childStart?.input, '42');
    assert.equal(childStart?.parentInstance?.orchestrationInstance?.instanceId, INSTANCE);

    engine.inbox.push(
      subOrchestrationInstanceCompletedEvent(childStart.parentInstance.taskScheduledId, '"kid"', engine.now),
    );
    const last = await engine.turn();
    assert.equal(last.summary.status, OrchestrationStatus.COMPLETED);
    assert.equal(last.summary.output, '"42/yes/kid"');
    assert.equal(last.summary.customStatus, '"almost"');
    assert.equal(renderAll(engine.history).filter((e) => e === 'OrchestratorStarted').length, 6);
  });

  test('continue-as-new with carried-over events runs one generation per turn', async () => {
    const engine = new Harness();
    engine.inbox.push(startEvent({ name: 'looping', input: '0' }));
    await engine.turn();
    engine.inbox.push(eventRaisedEvent('tick', '1', engine.now), eventRaisedEvent('tick', '1', engine.now));

    const firstGeneration = await engine.turn();
    assert.equal(firstGeneration.historyReplaced, true);
    assert.equal(firstGeneration.summary.executionId, 'exec-1');
    assert.equal(firstGeneration.summary.input, '1');

    const secondGeneration = await engine.turn();
    assert.equal(secondGeneration.historyReplaced, true, 'the carried-over tick starts another generation');
    assert.equal(secondGeneration.summary.executionId, 'exec-2');

    engine.inbox.push(eventRaisedEvent('tick', '5', engine.now));
    const done = await engine.turn();
    assert.equal(done.summary.status, OrchestrationStatus.COMPLETED);
    assert.equal(done.summary.output, '7');
  });

  test('the SDK answers a terminate cooperatively and the answer is kept', async () => {
    const engine = new Harness();
    engine.inbox.push(startEvent({ name: 'workflow', input: '1' }));
    await engine.turn();
    engine.inbox.push(executionTerminatedEvent('"enough"', false, engine.now));
    const terminated = await engine.turn();
    assert.equal(terminated.summary.status, OrchestrationStatus.TERMINATED);
    assert.equal(terminated.summary.output, '"enough"');
    assert.ok(
      terminated.historyEvents.some((e) => e.eventId >= 0 && e.eventType.case === 'executionCompleted'),
      'the completion came from the SDK (it carries its action id)',
    );
  });

  test('the harness notices a history the SDK does not accept', async () => {
    const engine = new Harness();
    engine.inbox.push(startEvent({ name: 'workflow', input: '21' }));
    const first = await engine.turn();
    // A history that names another activity than the code schedules is a non-determinism error.
    const scheduled = engine.history.map((e) => eventOf(e, 'taskScheduled')).find((e) => e !== undefined);
    assert.ok(scheduled);
    scheduled.name = 'triple';
    engine.inbox.push(taskCompletedEvent(first.activities[0]!.taskId, '42', engine.now));
    const rejected = await engine.turn(false);
    assert.equal(rejected.summary.status, OrchestrationStatus.FAILED);
  });
});
