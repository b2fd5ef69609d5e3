import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDurableTaskError, PayloadTooLargeError } from '../api/errors.js';
import { assertPayloadSize, serializePayload } from './payload.js';

test('serializePayload gives JSON, and undefined for no payload', () => {
  assert.equal(serializePayload(undefined, 'input', 100), undefined);
  assert.equal(serializePayload('Hello, 世界!', 'input', 100), '"Hello, 世界!"');
  assert.equal(serializePayload({ a: [1, null] }, 'input', 100), '{"a":[1,null]}');
  assert.equal(serializePayload(null, 'input', 100), 'null');
});

test('serializePayload refuses values JSON cannot carry', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  for (const value of [cyclic, 10n, () => 1, Symbol('s')]) {
    assert.throws(
      () => serializePayload(value, 'The orchestration input', 1000),
      (err: unknown) =>
        isDurableTaskError(err, 'INVALID_ARGUMENT') && /orchestration input/.test((err as Error).message),
    );
  }
});

test('the limit counts UTF-8 bytes, not characters', () => {
  // "世" is 3 bytes in UTF-8; the JSON string adds two quote bytes.
  const value = '世'.repeat(10);
  assert.equal(serializePayload(value, 'input', 32), JSON.stringify(value));
  assert.throws(
    () => serializePayload(value, 'input', 31),
    (err: unknown) => err instanceof PayloadTooLargeError && err.size === 32 && err.limit === 31,
  );
  assert.doesNotThrow(() => assertPayloadSize('abc', 'reason', 3));
  assert.throws(() => assertPayloadSize('abcd', 'reason', 3), PayloadTooLargeError);
});
