import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { deterministicGuid, uuidV5 } from './guid.js';

const require = createRequire(import.meta.url);
const { RuntimeOrchestrationContext } =
  require('@microsoft/durabletask-js/dist/worker/runtime-orchestration-context.js') as {
    RuntimeOrchestrationContext: new (instanceId: string) => { _currentUtcDatetime: Date; newGuid(): string };
  };

describe('guids', () => {
  test('uuidV5 matches the RFC 4122 example', () => {
    assert.equal(
      uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com'),
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  test('deterministicGuid gives the values durabletask-js gives', () => {
    const at = new Date(Date.UTC(2026, 3, 5, 6, 7, 8, 9));
    const theirs = new RuntimeOrchestrationContext('order-42');
    theirs._currentUtcDatetime = at;
    const expected = [theirs.newGuid(), theirs.newGuid(), theirs.newGuid()];
    assert.deepEqual(
      [0, 1, 2].map((counter) => deterministicGuid('order-42', at, counter)),
      expected,
    );
    assert.equal(new Set(expected).size, 3);
  });
});
