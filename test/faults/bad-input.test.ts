// Bad input over real gRPC against a Sidecar on a SQLite file: every case is refused (or, for
// unknown fields, ignored) with a clear status, stores nothing, leaves every stored instance as it
// was, and the server goes on running orchestrations.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { OrchestrationStatus } from '../../src/api/status.js';
import {
  CreateInstanceRequestSchema,
  CreateInstanceResponseSchema,
  GetInstanceRequestSchema,
  GetInstanceResponseSchema,
  HistoryEventSchema,
  OrchestratorResponseSchema,
  RaiseEventRequestSchema,
  ResumeRequestSchema,
  SuspendRequestSchema,
  TerminateRequestSchema,
} from '../../src/proto/orchestrator_service_pb.js';
import type { SidecarMethodName } from '../../src/sidecar/service-definition.js';
import { RawSidecarClient } from '../../src/sidecar/testing/raw-client.js';
import { startTestSidecar, waitUntil, within, type TestSidecar } from '../sidecar/harness.js';
import { RawEchoWorker } from '../sidecar/raw-worker.js';
import { MALFORMED_BODIES, RawBytesClient, withUnknownFields } from './raw-bytes.js';

const MAX_MESSAGE_BYTES = 128 * 1024;
const MAX_PAYLOAD_BYTES = 8 * 1024;

function rejectsWith(codes: grpc.status | readonly grpc.status[], details: RegExp) {
  const allowed = Array.isArray(codes) ? codes : [codes];
  return (err: grpc.ServiceError): boolean => {
    assert.ok(
      allowed.includes(err.code),
      `status ${err.code} (${err.details}), expected one of ${allowed.join(', ')}`,
    );
    assert.match(err.details, details);
    return true;
  };
}

describe('bad input never corrupts state or stops the server', () => {
  let env: TestSidecar;
  let raw: RawSidecarClient;
  let bytes: RawBytesClient;
  let worker: RawEchoWorker;
  let served = 0;

  before(async () => {
    env = await startTestSidecar({ maxMessageBytes: MAX_MESSAGE_BYTES, maxPayloadBytes: MAX_PAYLOAD_BYTES });
    raw = new RawSidecarClient(env.address);
    bytes = new RawBytesClient(env.address);
    worker = new RawEchoWorker(env.address);
    await worker.start();
    // Stored state that every case must leave alone: finished instances and a running one.
    for (const n of [1, 2, 3]) await runToCompletion(`stored-${n}`, `"stored ${n}"`);
    await raw.unary(
      'startInstance',
      create(CreateInstanceRequestSchema, { instanceId: 'running', name: 'echo', input: '"wait"' }),
    );
    await waitUntil(
      async () => (await statusOf('running')) === OrchestrationStatus.RUNNING,
      'the running instance',
    );
  });

  after(async () => {
    worker?.close();
    raw?.close();
    bytes?.close();
    await env?.close();
  });

  async function statusOf(instanceId: string): Promise<OrchestrationStatus | undefined> {
    const response = await raw.unary('getInstance', create(GetInstanceRequestSchema, { instanceId }));
    return response.orchestrationState?.orchestrationStatus;
  }

  async function runToCompletion(instanceId: string, input: string): Promise<void> {
    await raw.unary(
      'startInstance',
      create(CreateInstanceRequestSchema, { instanceId, name: 'echo', input }),
    );
    const done = await raw.unary(
      'waitForInstanceCompletion',
      create(GetInstanceRequestSchema, { instanceId, getInputsAndOutputs: true }),
    );
    assert.equal(done.orchestrationState?.orchestrationStatus, OrchestrationStatus.COMPLETED);
    assert.equal(done.orchestrationState?.output, input);
  }

  /** Every stored instance: its state (times aside) and its whole history, byte for byte. */
  async function storedState(): Promise<Map<string, string>> {
    const client = env.sidecar.client;
    const page = await client.queryInstances({ includePayloads: true, pageSize: 1_000 });
    const stored = new Map<string, string>();
    for (const state of page.items) {
      const history = await client.getOrchestrationHistory(state.instanceId);
      const events = history.map((e) => Buffer.from(toBinary(HistoryEventSchema, e)).toString('hex'));
      const { name, status, input, output, customStatus, executionId } = state;
      stored.set(
        state.instanceId,
        JSON.stringify({ name, status, input, output, customStatus, executionId, events }),
      );
    }
    return stored;
  }

  /**
   * Runs a bad-input case between two checks: stored state before and after are the same except
   * for the instances the case says it created, and a normal orchestration still runs to
   * completion afterwards.
   */
  async function refusedWithoutHarm(badInput: () => Promise<readonly string[] | void>): Promise<void> {
    const before = await storedState();
    const created = (await badInput()) ?? [];
    const afterwards = await storedState();
    for (const id of created) assert.ok(afterwards.delete(id), `${id} was stored`);
    assert.deepEqual(afterwards, before, 'stored instances are untouched');
    served += 1;
    await runToCompletion(`served-${served}`, `"still serving ${served}"`);
  }

  const start = (init: Parameters<typeof create<typeof CreateInstanceRequestSchema>>[1]) =>
    raw.unary('startInstance', create(CreateInstanceRequestSchema, { name: 'echo', ...init }));

  test('an empty instance id gets a generated one and runs', async () => {
    await refusedWithoutHarm(async () => {
      const generated = (await start({ instanceId: '', input: '"generated"' })).instanceId;
      assert.match(generated, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      await waitUntil(
        async () => (await statusOf(generated)) === OrchestrationStatus.COMPLETED,
        'the generated instance',
      );
      return [generated];
    });
  });

  test('an id over 256 characters is INVALID_ARGUMENT; 256 is accepted', async () => {
    await refusedWithoutHarm(async () => {
      for (const call of [
        () => start({ instanceId: 'x'.repeat(257) }),
        () =>
          raw.unary(
            'raiseEvent',
            create(RaiseEventRequestSchema, { instanceId: 'x'.repeat(257), name: 'e' }),
          ),
        () =>
          raw.unary('terminateInstance', create(TerminateRequestSchema, { instanceId: 'x'.repeat(10_000) })),
      ]) {
        await assert.rejects(call(), rejectsWith(grpc.status.INVALID_ARGUMENT, /at most 256 characters/));
      }
    });
    const longest = 'y'.repeat(256);
    await runToCompletion(longest, '"longest id"');
  });

  test('ids with control characters are INVALID_ARGUMENT on every rpc that takes one', async () => {
    for (const instanceId of ['nul\u0000byte', 'line\nbreak', 'bell\u0007', 'del\u007f', 'c1\u009f']) {
      await refusedWithoutHarm(async () => {
        for (const call of [
          () => start({ instanceId }),
          () => raw.unary('raiseEvent', create(RaiseEventRequestSchema, { instanceId, name: 'e' })),
          () => raw.unary('terminateInstance', create(TerminateRequestSchema, { instanceId })),
          () => raw.unary('suspendInstance', create(SuspendRequestSchema, { instanceId })),
          () => raw.unary('getInstance', create(GetInstanceRequestSchema, { instanceId })),
        ]) {
          await assert.rejects(call(), rejectsWith(grpc.status.INVALID_ARGUMENT, /control characters/));
        }
      });
    }
  });

  test('a payload over the limit is RESOURCE_EXHAUSTED, for a new instance and for a running one', async () => {
    const big = JSON.stringify('z'.repeat(MAX_PAYLOAD_BYTES));
    await refusedWithoutHarm(async () => {
      await assert.rejects(
        start({ instanceId: 'too-big', input: big }),
        rejectsWith(grpc.status.RESOURCE_EXHAUSTED, /input is \d+ bytes, over the limit of 8192/),
      );
      await assert.rejects(
        raw.unary(
          'raiseEvent',
          create(RaiseEventRequestSchema, { instanceId: 'running', name: 'e', input: big }),
        ),
        rejectsWith(grpc.status.RESOURCE_EXHAUSTED, /event data is \d+ bytes/),
      );
      await assert.rejects(
        raw.unary(
          'terminateInstance',
          create(TerminateRequestSchema, { instanceId: 'running', output: big }),
        ),
        rejectsWith(grpc.status.RESOURCE_EXHAUSTED, /output is \d+ bytes/),
      );
    });
    assert.equal(await statusOf('too-big'), undefined);
  });

  test('a message over the gRPC size limit is RESOURCE_EXHAUSTED and the server keeps serving', async () => {
    const huge = JSON.stringify('h'.repeat(MAX_MESSAGE_BYTES + 1_024));
    await refusedWithoutHarm(async () => {
      await assert.rejects(
        start({ instanceId: 'huge', input: huge }),
        rejectsWith(grpc.status.RESOURCE_EXHAUSTED, /larger than max/),
      );
      await assert.rejects(
        raw.unary(
          'completeOrchestratorTask',
          create(OrchestratorResponseSchema, { instanceId: 'running', customStatus: huge }),
        ),
        rejectsWith(grpc.status.RESOURCE_EXHAUSTED, /larger than max/),
      );
    });
    assert.equal(await statusOf('huge'), undefined);
  });

  test('a malformed protobuf body is refused with INTERNAL or INVALID_ARGUMENT, on client and worker rpcs', async () => {
    const methods: SidecarMethodName[] = [
      'startInstance',
      'raiseEvent',
      'completeOrchestratorTask',
      'completeActivityTask',
    ];
    for (const body of MALFORMED_BODIES) {
      await refusedWithoutHarm(async () => {
        for (const method of methods) {
          await assert.rejects(
            bytes.unary(method, body.bytes),
            rejectsWith([grpc.status.INTERNAL, grpc.status.INVALID_ARGUMENT], /\S/),
            `${method} with ${body.what}`,
          );
        }
        const streamEnd = await within(
          bytes.streamOutcome('getWorkItems', body.bytes),
          10_000,
          `GetWorkItems with ${body.what} to end`,
        );
        assert.notEqual(streamEnd, 'ended', `GetWorkItems with ${body.what} is refused`);
        if (streamEnd !== 'ended') {
          rejectsWith([grpc.status.INTERNAL, grpc.status.INVALID_ARGUMENT], /\S/)(streamEnd);
        }
      });
    }
    assert.equal(env.sidecar.executor.stats().streams, 1, 'only the echo worker is connected');
  });

  test('unknown fields in a request are accepted and ignored', async () => {
    await refusedWithoutHarm(async () => {
      const request = create(CreateInstanceRequestSchema, {
        instanceId: 'with-unknown-fields',
        name: 'echo',
        input: '"known"',
      });
      const response = await bytes.unary(
        'startInstance',
        withUnknownFields(toBinary(CreateInstanceRequestSchema, request)),
      );
      assert.equal(fromBinary(CreateInstanceResponseSchema, response).instanceId, 'with-unknown-fields');
      const done = await raw.unary(
        'waitForInstanceCompletion',
        create(GetInstanceRequestSchema, { instanceId: 'with-unknown-fields', getInputsAndOutputs: true }),
      );
      assert.equal(done.orchestrationState?.output, '"known"');
      const query = create(GetInstanceRequestSchema, {
        instanceId: 'with-unknown-fields',
        getInputsAndOutputs: true,
      });
      const got = await bytes.unary(
        'getInstance',
        withUnknownFields(toBinary(GetInstanceRequestSchema, query)),
      );
      assert.equal(fromBinary(GetInstanceResponseSchema, got).orchestrationState?.output, '"known"');
      return ['with-unknown-fields'];
    });
  });

  test('RaiseEvent, Terminate, Suspend and Resume on an unknown instance are NOT_FOUND and store nothing', async () => {
    await refusedWithoutHarm(async () => {
      const instanceId = 'never-created';
      for (const [rpc, call] of [
        [
          'raiseEvent',
          () =>
            raw.unary('raiseEvent', create(RaiseEventRequestSchema, { instanceId, name: 'e', input: '1' })),
        ],
        [
          'terminateInstance',
          () => raw.unary('terminateInstance', create(TerminateRequestSchema, { instanceId })),
        ],
        ['suspendInstance', () => raw.unary('suspendInstance', create(SuspendRequestSchema, { instanceId }))],
        ['resumeInstance', () => raw.unary('resumeInstance', create(ResumeRequestSchema, { instanceId }))],
      ] as const) {
        await assert.rejects(call(), rejectsWith(grpc.status.NOT_FOUND, /never-created/), rpc);
      }
      const response = await raw.unary('getInstance', create(GetInstanceRequestSchema, { instanceId }));
      assert.equal(response.exists, false);
    });
  });
});
