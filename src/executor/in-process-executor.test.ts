import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import {
  ActivityRequestSchema,
  OrchestratorRequestSchema,
  type ActivityRequest,
} from '../proto/orchestrator_service_pb.js';
import type { ActivityContext } from '../sdk/activity.js';
import type { OrchestrationContext } from '../sdk/context.js';
import { Registry } from '../sdk/registry.js';
import { describeActions, startEvents } from '../sdk/testing/replay-harness.js';
import { InProcessExecutor } from './in-process-executor.js';

function activityRequest(name: string, input?: unknown): ActivityRequest {
  return create(ActivityRequestSchema, {
    name,
    taskId: 7,
    orchestrationInstance: { instanceId: 'inst-9', executionId: 'e' },
    ...(input !== undefined && { input: JSON.stringify(input) }),
  });
}

function add(_ctx: ActivityContext, pair: { a: number; b: number }): number {
  return pair.a + pair.b;
}

describe('InProcessExecutor.executeOrchestrator', () => {
  const registry = new Registry().addOrchestrator(function* sum(
    ctx: OrchestrationContext,
    pair: { a: number; b: number },
  ) {
    const total: number = yield ctx.callActivity(add, pair);
    return total;
  });
  const executor = new InProcessExecutor(registry);

  test('runs the registered orchestrator', async () => {
    const response = await executor.executeOrchestrator(
      create(OrchestratorRequestSchema, {
        instanceId: 'inst-1',
        newEvents: startEvents('sum', { a: 1, b: 2 }),
      }),
    );
    assert.equal(response.instanceId, 'inst-1');
    assert.deepEqual(describeActions(response), ['#1 callActivity add {"a":1,"b":2}']);
  });

  test('an unknown orchestrator is a FAILED completion, not a rejection', async () => {
    const response = await executor.executeOrchestrator(
      create(OrchestratorRequestSchema, { instanceId: 'inst-1', newEvents: startEvents('nope') }),
    );
    assert.deepEqual(describeActions(response), [
      "#1 FAILED OrchestratorNotRegisteredError: No orchestrator named 'nope' is registered.",
    ]);
  });

  test('rejects when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));
    await assert.rejects(
      executor.executeOrchestrator(
        create(OrchestratorRequestSchema, { newEvents: startEvents('sum') }),
        controller.signal,
      ),
      /shutting down/,
    );
  });
});

describe('InProcessExecutor.executeActivity', () => {
  let seenContext: ActivityContext | undefined;
  let activityAborted = false;
  const registry = new Registry()
    .addActivity(add)
    .addNamedActivity('whoAmI', (ctx: ActivityContext) => {
      seenContext = ctx;
      return undefined;
    })
    .addNamedActivity('fails', async () => {
      await Promise.resolve();
      throw new RangeError('too big');
    })
    .addNamedActivity('hangs', (ctx: ActivityContext) => {
      return new Promise((_resolve, reject) => {
        ctx.signal.addEventListener(
          'abort',
          () => {
            activityAborted = true;
            reject(new Error('stopped'));
          },
          { once: true },
        );
      });
    })
    .addNamedActivity('ignoresAbort', () => new Promise(() => undefined));
  const executor = new InProcessExecutor(registry);

  test('returns the JSON result with the instance and task ids', async () => {
    const response = await executor.executeActivity(activityRequest('add', { a: 2, b: 3 }));
    assert.equal(response.result, '5');
    assert.equal(response.instanceId, 'inst-9');
    assert.equal(response.taskId, 7);
    assert.equal(response.failureDetails, undefined);
  });

  test('passes the activity context; an undefined result stays absent', async () => {
    const response = await executor.executeActivity(activityRequest('whoAmI'));
    assert.equal(response.result, undefined);
    assert.equal(seenContext?.orchestrationId, 'inst-9');
    assert.equal(seenContext?.taskId, 7);
    assert.equal(seenContext?.name, 'whoAmI');
  });

  test('an error becomes failure details', async () => {
    const response = await executor.executeActivity(activityRequest('fails'));
    assert.equal(response.result, undefined);
    assert.equal(response.failureDetails?.errorType, 'RangeError');
    assert.equal(response.failureDetails?.errorMessage, 'too big');
    assert.equal(response.failureDetails?.isNonRetriable, false);
  });

  test('malformed input JSON becomes failure details', async () => {
    const request = activityRequest('add');
    request.input = '{not json';
    const response = await executor.executeActivity(request);
    assert.equal(response.failureDetails?.errorType, 'SyntaxError');
  });

  test('an unknown activity is a non-retriable failure', async () => {
    const response = await executor.executeActivity(activityRequest('missing'));
    assert.equal(response.failureDetails?.errorType, 'ActivityNotRegisteredError');
    assert.equal(response.failureDetails?.errorMessage, "No activity named 'missing' is registered.");
    assert.equal(response.failureDetails?.isNonRetriable, true);
  });

  test('an abort rejects the call and signals the activity', async () => {
    const controller = new AbortController();
    const call = executor.executeActivity(activityRequest('hangs'), controller.signal);
    controller.abort(new Error('lease lost'));
    await assert.rejects(call, /lease lost/);
    assert.equal(activityAborted, true);
  });

  test('an abort releases the caller even when the activity ignores it', async () => {
    const controller = new AbortController();
    const call = executor.executeActivity(activityRequest('ignoresAbort'), controller.signal);
    setImmediate(() => controller.abort(new Error('shutdown')));
    await assert.rejects(call, /shutdown/);
  });

  test('an already aborted signal rejects without running the activity', async () => {
    seenContext = undefined;
    await assert.rejects(
      executor.executeActivity(activityRequest('whoAmI'), AbortSignal.abort(new Error('gone'))),
      /gone/,
    );
    assert.equal(seenContext, undefined);
  });
});
