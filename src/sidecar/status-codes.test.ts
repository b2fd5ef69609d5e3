import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import {
  DuplicateInstanceError,
  InstanceNotFoundError,
  InvalidArgumentError,
  LockLostError,
  NotCompletedError,
  NotSupportedError,
  PayloadTooLargeError,
  ShutdownError,
  TimeoutError,
} from '../api/errors.js';
import { sidecarMethods, sidecarServiceDefinition } from './service-definition.js';
import { toGrpcStatus, toGrpcStreamError } from './status-codes.js';

describe('toGrpcStatus', () => {
  const cases: [Error, grpc.status][] = [
    [new InstanceNotFoundError('i1'), grpc.status.NOT_FOUND],
    [new DuplicateInstanceError('i1'), grpc.status.ALREADY_EXISTS],
    [new NotCompletedError('i1'), grpc.status.FAILED_PRECONDITION],
    [new InvalidArgumentError('bad id'), grpc.status.INVALID_ARGUMENT],
    [new PayloadTooLargeError('The input', 10, 5), grpc.status.RESOURCE_EXHAUSTED],
    [new LockLostError('the work item'), grpc.status.ABORTED],
    [new TimeoutError('too slow'), grpc.status.DEADLINE_EXCEEDED],
    [new NotSupportedError('entities'), grpc.status.UNIMPLEMENTED],
    [new ShutdownError('The sidecar'), grpc.status.UNAVAILABLE],
  ];
  for (const [error, code] of cases) {
    test(`${error.constructor.name} → ${grpc.status[code]}, with its message`, () => {
      assert.deepEqual(toGrpcStatus(error), { code, details: error.message });
    });
  }

  test('anything else is INTERNAL with a readable message', () => {
    assert.deepEqual(toGrpcStatus(new TypeError('x is undefined')), {
      code: grpc.status.INTERNAL,
      details: 'Internal error: x is undefined',
    });
    assert.equal(toGrpcStatus('boom').details, 'Internal error: boom');
  });

  test('stream errors carry the code for grpc-js', () => {
    const err = toGrpcStreamError(new InstanceNotFoundError('i9'));
    assert.ok(err instanceof Error);
    assert.equal(err.code, grpc.status.NOT_FOUND);
    assert.match(err.details, /i9/);
  });
});

describe('sidecarServiceDefinition', () => {
  test('lists every rpc of the proto under /TaskHubSidecarService/<Method>', () => {
    const definitions = Object.values(sidecarServiceDefinition) as grpc.MethodDefinition<unknown, unknown>[];
    assert.equal(definitions.length, sidecarMethods.length);
    assert.ok(definitions.length >= 29);
    assert.equal(sidecarServiceDefinition.getWorkItems.path, '/TaskHubSidecarService/GetWorkItems');
    assert.equal(sidecarServiceDefinition.getWorkItems.responseStream, true);
    assert.equal(sidecarServiceDefinition.completeOrchestratorTask.responseStream, false);
    assert.equal(sidecarServiceDefinition.streamInstanceHistory.responseStream, true);
  });

  test('round-trips messages through its serializers', () => {
    const def = sidecarServiceDefinition.completeActivityTask;
    const bytes = def.requestSerialize({
      $typeName: 'ActivityResponse',
      instanceId: 'i1',
      taskId: 7,
      result: '"ok"',
      completionToken: 'tok',
    });
    const back = def.requestDeserialize(bytes);
    assert.equal(back.instanceId, 'i1');
    assert.equal(back.taskId, 7);
    assert.equal(back.result, '"ok"');
    assert.equal(back.completionToken, 'tok');
  });
});
