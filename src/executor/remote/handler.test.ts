import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { isDurableTaskError, LockLostError } from '../../api/errors.js';
import { createReply, type Reply } from '../../loop/index.js';
import {
  ActivityRequestSchema,
  ActivityResponseSchema,
  GetWorkItemsRequestSchema,
  OrchestratorRequestSchema,
  OrchestratorResponseSchema,
  type ActivityResponse,
  type OrchestratorResponse,
  type WorkItem,
} from '../../proto/orchestrator_service_pb.js';
import { executionStartedEvent, orchestratorStartedEvent } from '../../runtime/history-events.js';
import { UnknownWorkItemError, WorkItemAbandonedError, WorkItemLostError } from './errors.js';
import { ExecutorHandler } from './handler.js';
import { ACCEPT_EVERYTHING, streamOptionsFromRequest, type StreamOptions } from './routing.js';
import type { StreamOutbox } from './work-item-sink.js';

class FakeOutbox implements StreamOutbox {
  readonly sent: WorkItem[] = [];
  closed = false;
  send(item: WorkItem): void {
    assert.equal(this.closed, false, 'send after close');
    this.sent.push(item);
  }
  close(): void {
    this.closed = true;
  }
  get tokens(): string[] {
    return this.sent.map((item) => item.completionToken);
  }
}

function orchestratorRequest(instanceId: string, name = 'Greet', version?: string) {
  return create(OrchestratorRequestSchema, {
    instanceId,
    newEvents: [
      orchestratorStartedEvent(1000),
      executionStartedEvent({ instanceId, executionId: 'e1', name, ...(version && { version }) }, 1000),
    ],
  });
}

function activityRequest(instanceId: string, taskId: number, name = 'SayHello') {
  return create(ActivityRequestSchema, { name, taskId, input: '"x"', orchestrationInstance: { instanceId } });
}

/** Drives an ExecutorHandler event by event and keeps what a test needs to look at. */
class Harness {
  readonly handler: ExecutorHandler;
  #tokens = 0;
  #items = 0;

  constructor() {
    this.handler = new ExecutorHandler({ newToken: () => `token-${++this.#tokens}` });
  }

  connect(streamId: string, options: StreamOptions = ACCEPT_EVERYTHING): FakeOutbox {
    const outbox = new FakeOutbox();
    this.handler.handle({ kind: 'ConnectStream', streamId, options, outbox });
    return outbox;
  }

  orchestrate(instanceId: string, name?: string, version?: string) {
    const { reply, promise } = createReply<OrchestratorResponse>();
    const itemId = ++this.#items;
    const request = orchestratorRequest(instanceId, name, version);
    this.handler.handle({ kind: 'ExecuteOrchestrator', itemId, request, reply });
    return { itemId, reply, promise };
  }

  activity(instanceId: string, taskId: number, name?: string) {
    const { reply, promise } = createReply<ActivityResponse>();
    const itemId = ++this.#items;
    this.handler.handle({
      kind: 'ExecuteActivity',
      itemId,
      request: activityRequest(instanceId, taskId, name),
      reply,
    });
    return { itemId, reply, promise };
  }

  completeOrchestrator(instanceId: string, completionToken: string): Promise<void> {
    const { reply, promise } = createReply<void>();
    const response = create(OrchestratorResponseSchema, {
      instanceId,
      completionToken,
      customStatus: 'done',
    });
    this.handler.handle({ kind: 'CompleteOrchestrator', response, reply });
    return promise;
  }

  completeActivity(instanceId: string, taskId: number, completionToken: string): Promise<void> {
    const { reply, promise } = createReply<void>();
    const response = create(ActivityResponseSchema, { instanceId, taskId, completionToken, result: '"hi"' });
    this.handler.handle({ kind: 'CompleteActivity', response, reply });
    return promise;
  }

  abandon(itemKind: 'orchestrator' | 'activity', completionToken: string): Promise<void> {
    const { reply, promise } = createReply<void>();
    this.handler.handle({ kind: 'Abandon', itemKind, completionToken, reply });
    return promise;
  }
}

function instanceOf(item: WorkItem | undefined): string | undefined {
  if (item?.request.case === 'orchestratorRequest') return item.request.value.instanceId;
  if (item?.request.case === 'activityRequest') return item.request.value.orchestrationInstance?.instanceId;
  return undefined;
}

const pending = (reply: Reply<unknown>): boolean => !reply.settled;
const rejectsWith = (code: Parameters<typeof isDurableTaskError>[1]) => (err: unknown) =>
  isDurableTaskError(err, code);

describe('ExecutorHandler', () => {
  test('work waits for a stream, is sent with a token, and the completion answers the caller', async () => {
    const h = new Harness();
    const turn = h.orchestrate('i1');
    assert.deepEqual(h.handler.stats(), { streams: 0, outstanding: 0, waiting: 1 });

    const outbox = h.connect('s1');
    assert.equal(outbox.sent.length, 1);
    const item = outbox.sent[0]!;
    assert.equal(item.request.case, 'orchestratorRequest');
    assert.equal(instanceOf(item), 'i1');
    assert.equal(item.completionToken, 'token-1');

    await h.completeOrchestrator('i1', 'token-1');
    const response = await turn.promise;
    assert.equal(response.customStatus, 'done');
    assert.deepEqual(h.handler.stats(), { streams: 1, outstanding: 0, waiting: 0 });
  });

  test('completions without a token match by instanceId, and by instanceId + taskId for activities', async () => {
    const h = new Harness();
    const outbox = h.connect('s1');
    const turn = h.orchestrate('i1');
    const first = h.activity('i1', 1);
    const second = h.activity('i1', 2);
    assert.equal(outbox.sent.length, 3);

    await h.completeActivity('i1', 2, '');
    assert.equal((await second.promise).taskId, 2);
    assert.ok(pending(first.reply));
    await h.completeOrchestrator('i1', '');
    assert.equal((await turn.promise).instanceId, 'i1');
    await assert.rejects(h.completeActivity('i1', 7, ''), /task 7 of instance 'i1'/);
    await h.completeActivity('i1', 1, '');
    assert.equal((await first.promise).taskId, 1);
  });

  test('an unknown or mismatched completion is refused with a typed error and changes nothing', async () => {
    const h = new Harness();
    const outbox = h.connect('s1');
    const turn = h.orchestrate('i1');
    const task = h.activity('i1', 5);
    const [orchestratorToken, activityToken] = outbox.tokens as [string, string];

    await assert.rejects(h.completeOrchestrator('i1', 'no-such-token'), (err) => {
      assert.ok(err instanceof UnknownWorkItemError);
      assert.equal(err.code, 'INVALID_ARGUMENT');
      assert.match(err.message, /no-such-token/);
      return true;
    });
    await assert.rejects(h.completeOrchestrator('i2', ''), /instance 'i2'/);
    await assert.rejects(
      h.completeActivity('i1', 5, orchestratorToken),
      /belongs to an orchestrator work item/,
    );
    await assert.rejects(
      h.completeOrchestrator('other', orchestratorToken),
      /belongs to the orchestration turn/,
    );
    await assert.rejects(h.completeActivity('i1', 6, activityToken), /belongs to activity 'SayHello'/);
    assert.ok(pending(turn.reply) && pending(task.reply));
    assert.deepEqual(h.handler.stats(), { streams: 1, outstanding: 2, waiting: 0 });

    await h.completeOrchestrator('i1', orchestratorToken);
    await turn.promise;
    await assert.rejects(h.completeOrchestrator('i1', orchestratorToken), UnknownWorkItemError);
  });

  test('a second turn of an outstanding instance is refused; the first stays outstanding', async () => {
    const h = new Harness();
    const outbox = h.connect('s1');
    const first = h.orchestrate('i1');
    const second = h.orchestrate('i1');
    await assert.rejects(second.promise, (err: unknown) => {
      assert.ok(isDurableTaskError(err, 'INVALID_ARGUMENT'));
      assert.match(err.message, /instance 'i1' is already outstanding/);
      return true;
    });
    const duplicateTask = [h.activity('i1', 3), h.activity('i1', 3)];
    await assert.rejects(duplicateTask[1]!.promise, /task 3.*already outstanding/);
    assert.equal(outbox.sent.length, 2);
    await h.completeOrchestrator('i1', outbox.tokens[0]!);
    await first.promise;
    // Once answered, the next turn of the instance is accepted.
    h.orchestrate('i1');
    assert.equal(outbox.sent.length, 3);
  });

  test('a stream that disconnects hands its items to another stream with fresh tokens', async () => {
    const h = new Harness();
    const first = h.connect('s1');
    const turn = h.orchestrate('i1');
    const task = h.activity('i2', 1);
    const second = h.connect('s2');
    const third = h.orchestrate('i3'); // least loaded: goes to s2
    assert.equal(first.sent.length, 2);
    assert.equal(second.sent.length, 1);

    h.handler.handle({ kind: 'DisconnectStream', streamId: 's1' });
    assert.equal(first.closed, true);
    assert.deepEqual(
      second.sent.map((item) => item.request.case),
      ['orchestratorRequest', 'orchestratorRequest', 'activityRequest'],
    );
    const [, turnToken, taskToken] = second.tokens as [string, string, string];
    assert.notEqual(turnToken, first.tokens[0]);

    // The old stream's late completion carries a stale token.
    await assert.rejects(h.completeOrchestrator('i1', first.tokens[0]!), UnknownWorkItemError);
    await h.completeOrchestrator('i1', turnToken);
    await h.completeActivity('i2', 1, taskToken);
    await Promise.all([turn.promise, task.promise]);
    assert.ok(pending(third.reply));
    h.handler.handle({ kind: 'DisconnectStream', streamId: 's1' }); // idempotent
  });

  test('with no stream left, orphaned items wait (ahead of newer work) for the next one', () => {
    const h = new Harness();
    const first = h.connect('s1');
    h.orchestrate('old');
    h.handler.handle({ kind: 'SendFailed', streamId: 's1', error: new Error('broken pipe') });
    assert.equal(first.closed, true);
    h.orchestrate('new');
    assert.deepEqual(h.handler.stats(), { streams: 0, outstanding: 0, waiting: 2 });
    const next = h.connect('s2');
    assert.deepEqual(
      next.sent.map((item) => instanceOf(item)),
      ['old', 'new'],
    );
  });

  test('an item lost with its stream a second time goes back to the caller; a fresh one is kept', async () => {
    const h = new Harness();
    h.connect('s1');
    const poison = h.orchestrate('poison');
    h.handler.handle({ kind: 'DisconnectStream', streamId: 's1' }); // first loss: re-dispatched
    const second = h.connect('s2');
    assert.deepEqual(second.sent.map(instanceOf), ['poison']);
    const healthy = h.orchestrate('healthy');
    h.handler.handle({ kind: 'DisconnectStream', streamId: 's2' }); // poison's second loss
    await assert.rejects(poison.promise, WorkItemLostError);
    assert.ok(pending(healthy.reply), 'an item lost once is re-dispatched, not handed back');
    const third = h.connect('s3');
    assert.deepEqual(third.sent.map(instanceOf), ['healthy']);
    // The handed-back item is gone: a late completion for it is refused.
    await assert.rejects(h.completeOrchestrator('poison', ''), UnknownWorkItemError);
    await h.completeOrchestrator('healthy', third.tokens[0]!);
    await healthy.promise;
    // Retried from the store, the same turn is handed back at its next loss: no hot loop.
    const retried = h.orchestrate('poison');
    assert.deepEqual(third.sent.map(instanceOf), ['healthy', 'poison']);
    h.handler.handle({ kind: 'DisconnectStream', streamId: 's3' });
    await assert.rejects(retried.promise, WorkItemLostError);
    // Once a worker completes it, its losses are forgotten: the next loss re-dispatches again.
    const fourth = h.connect('s4');
    const completed = h.orchestrate('poison');
    await h.completeOrchestrator('poison', fourth.tokens[0]!);
    await completed.promise;
    const next = h.orchestrate('poison');
    h.handler.handle({ kind: 'DisconnectStream', streamId: 's4' });
    assert.ok(pending(next.reply), 'a first loss after a completion is re-dispatched');
    assert.deepEqual(h.connect('s5').sent.map(instanceOf), ['poison']);
  });

  test('routes by work-item filters, versions included', () => {
    const h = new Harness();
    const request = create(GetWorkItemsRequestSchema, {
      workItemFilters: { orchestrations: [{ name: 'Greet', versions: ['2'] }], activities: [] },
    });
    const greetV2Only = h.connect('greet', streamOptionsFromRequest(request));
    const activities = h.connect(
      'activities',
      streamOptionsFromRequest(
        create(GetWorkItemsRequestSchema, { workItemFilters: { activities: [{ name: 'SayHello' }] } }),
      ),
    );
    h.orchestrate('a', 'Greet', '2');
    h.orchestrate('b', 'Greet', '1');
    h.orchestrate('c', 'Other');
    h.activity('a', 1, 'SayHello');
    h.activity('a', 2, 'Unknown');
    assert.deepEqual(
      greetV2Only.sent.map((item) => item.request.value?.$typeName),
      ['OrchestratorRequest'],
    );
    assert.deepEqual(
      activities.sent.map((item) => item.request.value?.$typeName),
      ['ActivityRequest'],
    );
    assert.deepEqual(h.handler.stats(), { streams: 2, outstanding: 2, waiting: 3 });
    const everything = h.connect('all', streamOptionsFromRequest(create(GetWorkItemsRequestSchema, {})));
    assert.equal(everything.sent.length, 3);
  });

  test('a stream gets no more than its declared concurrency of each kind', async () => {
    const h = new Harness();
    const outbox = h.connect(
      's1',
      streamOptionsFromRequest(
        create(GetWorkItemsRequestSchema, {
          maxConcurrentOrchestrationWorkItems: 1,
          maxConcurrentActivityWorkItems: 2,
        }),
      ),
    );
    h.orchestrate('i1');
    h.orchestrate('i2');
    h.activity('i1', 1);
    h.activity('i1', 2);
    h.activity('i1', 3);
    assert.equal(outbox.sent.length, 3);
    assert.equal(h.handler.stats().waiting, 2);
    await h.completeOrchestrator('i1', outbox.tokens[0]!);
    assert.equal(instanceOf(outbox.sent[3]), 'i2');
    await h.completeActivity('i1', 1, '');
    assert.equal(outbox.sent.length, 5);
    assert.equal(h.handler.stats().waiting, 0);
  });

  test('abandon rejects the execute call with WorkItemAbandonedError; an unknown token is refused', async () => {
    const h = new Harness();
    const outbox = h.connect('s1');
    const turn = h.orchestrate('i1');
    const task = h.activity('i1', 1);
    await assert.rejects(
      h.abandon('orchestrator', outbox.tokens[1]!),
      /activity work item, not an orchestrator/,
    );
    await assert.rejects(h.abandon('activity', ''), /needs its completion token/);
    await h.abandon('orchestrator', outbox.tokens[0]!);
    await assert.rejects(
      turn.promise,
      (err) => err instanceof WorkItemAbandonedError && /i1/.test(err.message),
    );
    await h.abandon('activity', outbox.tokens[1]!);
    await assert.rejects(task.promise, WorkItemAbandonedError);
    await assert.rejects(h.abandon('activity', outbox.tokens[1]!), UnknownWorkItemError);
    assert.deepEqual(h.handler.stats(), { streams: 1, outstanding: 0, waiting: 0 });
  });

  test('cancel rejects the caller, frees the slot, and a late completion is refused', async () => {
    const h = new Harness();
    const waiting = h.orchestrate('w');
    h.handler.handle({ kind: 'Cancel', itemId: waiting.itemId, reason: new Error('timed out') });
    await assert.rejects(waiting.promise, (err: unknown) => {
      assert.ok(isDurableTaskError(err, 'TASK_CANCELLED'));
      assert.match(err.message, /instance 'w'.*cancelled: timed out/);
      return true;
    });
    assert.equal(h.handler.stats().waiting, 0);

    const outbox = h.connect('s1', { ...ACCEPT_EVERYTHING, maxOrchestrations: 1 });
    assert.equal(outbox.sent.length, 0, 'the cancelled item is not sent');
    const sent = h.orchestrate('i1');
    const queued = h.orchestrate('i2');
    const lost = new LockLostError('the work item of i1');
    h.handler.handle({ kind: 'Cancel', itemId: sent.itemId, reason: lost });
    await assert.rejects(sent.promise, (err) => err === lost);
    assert.equal(instanceOf(outbox.sent[1]), 'i2', 'the freed slot is used');
    await assert.rejects(h.completeOrchestrator('i1', outbox.tokens[0]!), UnknownWorkItemError);
    h.handler.handle({ kind: 'Cancel', itemId: sent.itemId, reason: lost }); // already answered: no-op
    assert.ok(pending(queued.reply));
  });

  test('shutdown rejects waiting and outstanding work, closes streams, and refuses what follows', async () => {
    const h = new Harness();
    const outbox = h.connect('s1', { ...ACCEPT_EVERYTHING, maxActivities: 1 });
    const sent = h.activity('i1', 1);
    const waiting = h.activity('i1', 2);
    h.handler.handle({ kind: 'Shutdown' });
    await assert.rejects(sent.promise, rejectsWith('SHUTDOWN'));
    await assert.rejects(waiting.promise, rejectsWith('SHUTDOWN'));
    assert.equal(outbox.closed, true);
    await assert.rejects(h.orchestrate('late').promise, rejectsWith('SHUTDOWN'));
    const late = h.connect('s2');
    assert.equal(late.closed, true);
    await assert.rejects(h.completeActivity('i1', 1, outbox.tokens[0]!), UnknownWorkItemError);
    assert.deepEqual(h.handler.stats(), { streams: 0, outstanding: 0, waiting: 0 });
  });

  test('drop answers every reply-carrying event and closes a dropped stream', async () => {
    const h = new Harness();
    const reason = new Error('loop stopped');
    const execute = createReply<OrchestratorResponse>();
    const complete = createReply<void>();
    h.handler.drop(
      { kind: 'ExecuteOrchestrator', itemId: 1, request: orchestratorRequest('i1'), reply: execute.reply },
      reason,
    );
    h.handler.drop(
      { kind: 'CompleteActivity', response: create(ActivityResponseSchema, {}), reply: complete.reply },
      reason,
    );
    const outbox = new FakeOutbox();
    h.handler.drop({ kind: 'ConnectStream', streamId: 's', options: ACCEPT_EVERYTHING, outbox }, reason);
    await assert.rejects(execute.promise, reason);
    await assert.rejects(complete.promise, reason);
    assert.equal(outbox.closed, true);
  });
});
