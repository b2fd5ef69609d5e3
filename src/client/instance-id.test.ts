import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDurableTaskError } from '../api/errors.js';
import {
  assertNonEmptyName,
  assertValidInstanceId,
  MAX_INSTANCE_ID_LENGTH,
  newInstanceId,
} from './instance-id.js';

const invalidArgument = (err: unknown): boolean => isDurableTaskError(err, 'INVALID_ARGUMENT');

describe('assertValidInstanceId', () => {
  test('accepts ordinary ids, unicode and the longest allowed id', () => {
    for (const id of ['order-1', 'a', 'Bestellung/ä/世界', 'x'.repeat(MAX_INSTANCE_ID_LENGTH)]) {
      assert.doesNotThrow(() => assertValidInstanceId(id), id);
    }
  });

  test('refuses empty, too long, non-string and control characters', () => {
    const bad: unknown[] = [
      '',
      'x'.repeat(MAX_INSTANCE_ID_LENGTH + 1),
      undefined,
      42,
      'a\nb',
      'tab\there',
      'nul\u0000',
      'del\u007f',
      'c1\u0085',
    ];
    for (const id of bad) assert.throws(() => assertValidInstanceId(id), invalidArgument, JSON.stringify(id));
  });
});

test('newInstanceId gives distinct valid ids', () => {
  const a = newInstanceId();
  const b = newInstanceId();
  assert.notEqual(a, b);
  assertValidInstanceId(a);
  assert.match(a, /^[0-9a-f-]{36}$/);
});

test('assertNonEmptyName refuses blank names and names the argument', () => {
  assert.throws(
    () => assertNonEmptyName('  ', 'The event name'),
    /The event name must be a non-empty string/,
  );
  assert.throws(() => assertNonEmptyName(undefined, 'X'), invalidArgument);
  assert.doesNotThrow(() => assertNonEmptyName('approve', 'X'));
});
