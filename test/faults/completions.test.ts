// Completions that match no outstanding work item, end to end over gRPC against a Sidecar on a
// SQLite file: unknown and stale tokens, a token used for another instance, task or kind,
// token-less completions for unknown instances and tasks, and repeats of an accepted completion.
// Each is refused with INVALID_ARGUMENT and a message saying why, and the stored instance, its
// history and the work item in flight are exactly as before.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import * as grpc from '@grpc/grpc-js';
import type { OrchestratorActionSchema } from '../../src/proto/orchestrator_service_pb.js';
import {
  AbandonActivityTaskRequestSchema,
  AbandonOrchestrationTaskRequestSchema,
  ActivityResponseSchema,
  CreateInstanceRequestSchema,
  GetInstanceRequestSchema,
  GetWorkItemsRequestSchema,
  HistoryEventSchema,
  OrchestrationStatus,
  OrchestratorResponseSchema,
  type WorkItem,
} from '../../src/proto/orchestrator_service_pb.js';
import { RawSidecarClient } from '../../src/sidecar/testing/raw-client.js';
import { startTestSidecar, waitUntil, within, type TestSidecar } from '../sidecar/harness.js';

type ActionInit = MessageInitShape<typeof OrchestratorActionSchema>[];

const complete = (result: string): ActionInit => [
  {
    id: 0,
    orchestratorActionType: {
      case: 'completeOrchestration',
      value: { orchestrationStatus: OrchestrationStatus.COMPLETED, result },
    },
  },
];
const scheduleTask = (name: string, input: string): ActionInit => [
  { id: 1, orchestratorActionType: { case: 'scheduleTask', value: { name, input } } },
];

/** A worker stream that keeps every work item it receives, unanswered, for the test to answer. */
class HoldingStream {
  readonly items: WorkItem[] = [];
  readonly #stream: grpc.ClientReadableStream<WorkItem>;

  constructor(raw: RawSidecarClient) {
    this.#stream = raw.stream('getWorkItems', create(GetWorkItemsRequestSchema, {}));
    this.#stream.on('data', (item: WorkItem) => {
      if (item.request.case !== 'healthPing') this.items.push(item);
    });
    this.#stream.on('error', () => undefined); // CANCELLED by close()
  }

  /** The next item of `kind` after the first `seen` items of that kind. */
  async next(kind: 'orchestratorRequest' | 'activityRequest', seen: number): Promise<WorkItem> {
    const ofKind = () => this.items.filter((item) => item.request.case === kind);
    await waitUntil(() => ofKind().length > seen, `work item ${seen + 1} (${kind})`);
    return ofKind()[seen]!;
  }

  close(): void {
    this.#stream.cancel();
  }
}

function refused(details: RegExp) {
  return (err: grpc.ServiceError): boolean => {
    assert.equal(err.code, grpc.status.INVALID_ARGUMENT, `${grpc.status[err.code]}: ${err.details}`);
    assert.match(err.details, details);
    return true;
  };
}

describe('completions that match no work item are refused and change nothing', () => {
  let env: TestSidecar;
  let raw: RawSidecarClient;

  before(async () => {
    env = await startTestSidecar();
    raw = new RawSidecarClient(env.address);
    await raw.unary('hello', create(EmptySchema));
  });

  after(async () => {
    raw?.close();
    await env?.close();
  });

  /** The instance's state (times aside) and history, byte for byte, and the executor's counts. */
  async function snapshot(instanceId: string): Promise<string> {
    const state = await env.sidecar.client.getOrchestrationState(instanceId);
    const history = await env.sidecar.client.getOrchestrationHistory(instanceId);
    return JSON.stringify({
      status: state?.status,
      output: state?.output,
      customStatus: state?.customStatus,
      history: history.map((e) => Buffer.from(toBinary(HistoryEventSchema, e)).toString('hex')),
      executor: env.sidecar.executor.stats(),
    });
  }

  const completeTurn = (init: Parameters<typeof create<typeof OrchestratorResponseSchema>>[1]) =>
    raw.unary('completeOrchestratorTask', create(OrchestratorResponseSchema, init));
  const completeActivity = (init: Parameters<typeof create<typeof ActivityResponseSchema>>[1]) =>
    raw.unary('completeActivityTask', create(ActivityResponseSchema, init));

  test('orchestrator completions: unknown, misdirected, token-less for unknown instances, stale after re-dispatch, repeated', async () => {
    const first = new HoldingStream(raw);
    let second: HoldingStream | undefined;
    try {
      await raw.unary(
        'startInstance',
        create(CreateInstanceRequestSchema, { instanceId: 'held-turn', name: 'echo' }),
      );
      const held = await first.next('orchestratorRequest', 0);
      const token = held.completionToken;
      const before = await snapshot('held-turn');
      const wouldComplete = complete('"must not be stored"');

      await assert.rejects(
        completeTurn({ instanceId: 'held-turn', completionToken: 'no-such-token', actions: wouldComplete }),
        refused(/No orchestrator work item is outstanding with completion token 'no-such-token'/),
      );
      await assert.rejects(
        completeTurn({ instanceId: 'another-instance', completionToken: token, actions: wouldComplete }),
        refused(/belongs to .*held-turn.*, not to this completion/),
      );
      await assert.rejects(
        completeTurn({ instanceId: 'never-started', actions: wouldComplete }),
        refused(/No orchestrator work item is outstanding for instance 'never-started'/),
      );
      await assert.rejects(
        completeActivity({ instanceId: 'held-turn', taskId: 0, completionToken: token, result: '1' }),
        refused(/belongs to an orchestrator work item, not an activity one/),
      );
      await assert.rejects(
        raw.unary(
          'abandonTaskOrchestratorWorkItem',
          create(AbandonOrchestrationTaskRequestSchema, { completionToken: 'no-such-token' }),
        ),
        refused(/no-such-token/),
      );
      assert.equal(await snapshot('held-turn'), before, 'nothing changed');

      // The stream dies; the turn goes to the next stream with a fresh token; the old one is stale.
      first.close();
      await waitUntil(() => env.sidecar.executor.stats().streams === 0, 'the first stream to go');
      second = new HoldingStream(raw);
      const redispatched = await second.next('orchestratorRequest', 0);
      assert.notEqual(redispatched.completionToken, token);
      await assert.rejects(
        completeTurn({ instanceId: 'held-turn', completionToken: token, actions: wouldComplete }),
        refused(/re-dispatched/),
      );
      assert.equal((await env.sidecar.client.getOrchestrationState('held-turn'))?.output, undefined);

      await completeTurn({
        instanceId: 'held-turn',
        completionToken: redispatched.completionToken,
        actions: complete('"fresh"'),
      });
      const done = await within(
        raw.unary(
          'waitForInstanceCompletion',
          create(GetInstanceRequestSchema, { instanceId: 'held-turn', getInputsAndOutputs: true }),
        ),
        15_000,
        'the completion',
      );
      assert.equal(done.orchestrationState?.output, '"fresh"');
      const completed = await snapshot('held-turn');
      await assert.rejects(
        completeTurn({
          instanceId: 'held-turn',
          completionToken: redispatched.completionToken,
          actions: wouldComplete,
        }),
        refused(/already completed/),
      );
      await assert.rejects(
        completeTurn({ instanceId: 'held-turn', actions: wouldComplete }),
        refused(/No orchestrator work item is outstanding for instance 'held-turn'/),
      );
      assert.equal(await snapshot('held-turn'), completed, 'a repeated completion changes nothing');
    } finally {
      first.close();
      second?.close();
    }
  });

  test('activity completions: unknown token, wrong task, unknown task, the wrong kind, repeated; one result recorded', async () => {
    const worker = new HoldingStream(raw);
    try {
      await raw.unary(
        'startInstance',
        create(CreateInstanceRequestSchema, { instanceId: 'held-task', name: 'calls' }),
      );
      const turn = await worker.next('orchestratorRequest', 0);
      await completeTurn({
        instanceId: 'held-task',
        completionToken: turn.completionToken,
        actions: scheduleTask('work', '7'),
      });
      const task = await worker.next('activityRequest', 0);
      assert.equal(task.request.case === 'activityRequest' && task.request.value.taskId, 1);
      const token = task.completionToken;
      const before = await snapshot('held-task');

      await assert.rejects(
        completeActivity({
          instanceId: 'held-task',
          taskId: 1,
          completionToken: 'no-such-token',
          result: '0',
        }),
        refused(/No activity work item is outstanding with completion token 'no-such-token'/),
      );
      await assert.rejects(
        completeActivity({ instanceId: 'held-task', taskId: 2, completionToken: token, result: '0' }),
        refused(/belongs to .*held-task.*, not to this completion/),
      );
      await assert.rejects(
        completeActivity({ instanceId: 'held-task', taskId: 99, result: '0' }),
        refused(/No activity work item is outstanding for task 99 of instance 'held-task'/),
      );
      await assert.rejects(
        completeActivity({ instanceId: 'never-started', taskId: 1, result: '0' }),
        refused(/for task 1 of instance 'never-started'/),
      );
      await assert.rejects(
        completeTurn({ instanceId: 'held-task', completionToken: token, actions: complete('"wrong kind"') }),
        refused(/belongs to an activity work item, not an orchestrator one/),
      );
      await assert.rejects(
        raw.unary(
          'abandonTaskActivityWorkItem',
          create(AbandonActivityTaskRequestSchema, { completionToken: 'no-such-token' }),
        ),
        refused(/no-such-token/),
      );
      assert.equal(await snapshot('held-task'), before, 'nothing changed');

      await completeActivity({ instanceId: 'held-task', taskId: 1, completionToken: token, result: '49' });
      await assert.rejects(
        completeActivity({ instanceId: 'held-task', taskId: 1, completionToken: token, result: '-1' }),
        refused(/already completed/),
      );
      const resumed = await worker.next('orchestratorRequest', 1);
      const results = resumed.request.case === 'orchestratorRequest' ? resumed.request.value.newEvents : [];
      const completions = results.filter((e) => e.eventType.case === 'taskCompleted');
      assert.equal(completions.length, 1, 'one result reaches the orchestrator');
      assert.equal(
        completions[0]?.eventType.case === 'taskCompleted' && completions[0].eventType.value.result,
        '49',
      );
      await completeTurn({
        instanceId: 'held-task',
        completionToken: resumed.completionToken,
        actions: complete('49'),
      });
      const done = await within(
        raw.unary(
          'waitForInstanceCompletion',
          create(GetInstanceRequestSchema, { instanceId: 'held-task', getInputsAndOutputs: true }),
        ),
        15_000,
        'the completion',
      );
      assert.equal(done.orchestrationState?.output, '49');
      const history = await env.sidecar.client.getOrchestrationHistory('held-task');
      assert.equal(
        history.filter((e) => e.eventType.case === 'taskCompleted').length,
        1,
        'one result in history',
      );
    } finally {
      worker.close();
    }
  });
});
