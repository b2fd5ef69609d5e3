import { randomUUID } from 'node:crypto';
import { InvalidArgumentError } from '../api/errors.js';

/** The longest instance id accepted; the same bound the Durable Task backends use. */
export const MAX_INSTANCE_ID_LENGTH = 256;

// C0 controls, DEL and C1 controls: invisible in logs and unsafe in keys and URLs.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** A fresh instance id (a random UUID, as the Durable Task SDKs generate). */
export function newInstanceId(): string {
  return randomUUID();
}

/**
 * Throws InvalidArgumentError unless `instanceId` is a non-empty string of at most
 * MAX_INSTANCE_ID_LENGTH characters without control characters.
 */
export function assertValidInstanceId(instanceId: unknown): asserts instanceId is string {
  if (typeof instanceId !== 'string' || instanceId.length === 0) {
    throw new InvalidArgumentError('An instance id must be a non-empty string.');
  }
  if (instanceId.length > MAX_INSTANCE_ID_LENGTH) {
    throw new InvalidArgumentError(
      `An instance id is at most ${MAX_INSTANCE_ID_LENGTH} characters; got ${instanceId.length}.`,
    );
  }
  if (CONTROL_CHARACTERS.test(instanceId)) {
    throw new InvalidArgumentError('An instance id must not contain control characters.');
  }
}

/** Throws InvalidArgumentError unless `value` is a non-empty string; `what` names it in the message. */
export function assertNonEmptyName(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new InvalidArgumentError(`${what} must be a non-empty string.`);
  }
}
