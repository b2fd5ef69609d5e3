import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { TaskFailureDetailsSchema } from '../proto/orchestrator_service_pb.js';
import { isDurableTaskError } from './errors.js';
import {
  OrchestrationFailedError,
  TaskFailedError,
  errorFromFailureDetails,
  failureDetailsFromError,
} from './failure-details.js';

class ValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
  }
}

describe('failureDetailsFromError', () => {
  test('takes type from the error name, message and stack', () => {
    const err = new ValidationError('bad input');
    const details = failureDetailsFromError(err);
    assert.equal(details.errorType, 'ValidationError');
    assert.equal(details.errorMessage, 'bad input');
    assert.equal(details.stackTrace, err.stack);
    assert.equal(details.isNonRetriable, false);
    assert.equal(details.innerFailure, undefined);
  });

  test('builds innerFailure from the cause chain', () => {
    const root = new TypeError('root');
    const mid = new Error('mid', { cause: root });
    const top = new RangeError('top', { cause: mid });
    const details = failureDetailsFromError(top);
    assert.equal(details.errorType, 'RangeError');
    assert.equal(details.innerFailure?.errorType, 'Error');
    assert.equal(details.innerFailure?.errorMessage, 'mid');
    assert.equal(details.innerFailure?.innerFailure?.errorType, 'TypeError');
    assert.equal(details.innerFailure?.innerFailure?.innerFailure, undefined);
  });

  test('a non-Error cause becomes an UnknownError inner failure', () => {
    const details = failureDetailsFromError(new Error('x', { cause: { code: 42 } }));
    assert.equal(details.innerFailure?.errorType, 'UnknownError');
    assert.equal(details.innerFailure?.errorMessage, '{"code":42}');
  });

  test('stops on cyclic causes', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    const details = failureDetailsFromError(a);
    assert.equal(details.innerFailure?.errorMessage, 'b');
    assert.equal(details.innerFailure?.innerFailure, undefined);
  });

  test('cuts very deep cause chains', () => {
    let err = new Error('level 0');
    for (let i = 1; i < 30; i++) err = new Error(`level ${i}`, { cause: err });
    let depth = 0;
    for (let d = failureDetailsFromError(err).innerFailure; d; d = d.innerFailure) depth++;
    assert.ok(depth > 0 && depth < 10, `depth ${depth}`);
  });

  test('thrown non-errors become UnknownError with a readable message', () => {
    assert.deepEqual(
      [failureDetailsFromError('plain').errorType, failureDetailsFromError('plain').errorMessage],
      ['UnknownError', 'plain'],
    );
    assert.equal(failureDetailsFromError(7).errorMessage, '7');
    assert.equal(failureDetailsFromError(undefined).errorMessage, 'undefined');
    assert.equal(failureDetailsFromError(undefined).stackTrace, undefined);
  });

  test('isNonRetriable from the error property or the option', () => {
    const flagged = Object.assign(new Error('no'), { isNonRetriable: true });
    assert.equal(failureDetailsFromError(flagged).isNonRetriable, true);
    assert.equal(failureDetailsFromError(new Error('no'), { nonRetriable: true }).isNonRetriable, true);
  });

  test('a TaskFailedError keeps the failure it wraps as innerFailure', () => {
    const activityFailure = failureDetailsFromError(new ValidationError('bad'));
    const err = new TaskFailedError('Activity task #1 failed: bad', activityFailure);
    const details = failureDetailsFromError(err);
    assert.equal(details.errorType, 'TaskFailedError');
    assert.equal(details.errorMessage, 'Activity task #1 failed: bad');
    assert.equal(details.innerFailure?.errorType, 'ValidationError');
  });

  test('details survive a protobuf round trip', () => {
    const details = failureDetailsFromError(new Error('outer', { cause: new TypeError('inner') }));
    const back = fromBinary(TaskFailureDetailsSchema, toBinary(TaskFailureDetailsSchema, details));
    assert.equal(back.innerFailure?.errorType, 'TypeError');
    assert.equal(back.stackTrace, details.stackTrace);
  });
});

describe('errorFromFailureDetails', () => {
  test('returns a TaskFailedError carrying the details', () => {
    const details = create(TaskFailureDetailsSchema, {
      errorType: 'ValidationError',
      errorMessage: 'bad',
      isNonRetriable: true,
    });
    const err = errorFromFailureDetails(details);
    assert.ok(err instanceof TaskFailedError);
    assert.ok(isDurableTaskError(err, 'TASK_FAILED'));
    assert.equal(err.name, 'TaskFailedError');
    assert.equal(err.message, 'bad');
    assert.equal(err.errorType, 'ValidationError');
    assert.equal(err.isNonRetriable, true);
    assert.equal(err.details, details);
    assert.equal(errorFromFailureDetails(details, 'custom').message, 'custom');
  });
});

describe('OrchestrationFailedError', () => {
  test('names the instance and the failure', () => {
    const details = create(TaskFailureDetailsSchema, { errorType: 'TypeError', errorMessage: 'oops' });
    const err = new OrchestrationFailedError('order-1', details);
    assert.ok(isDurableTaskError(err, 'ORCHESTRATION_FAILED'));
    assert.equal(err.message, "Orchestration 'order-1' failed: TypeError: oops");
    assert.equal(err.instanceId, 'order-1');
    assert.equal(err.errorType, 'TypeError');
    assert.equal(failureDetailsFromError(err).innerFailure?.errorMessage, 'oops');
  });
});
