import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  HistoryEventSchema,
  OrchestratorRequestSchema,
  OrchestrationStatus,
} from './orchestrator_service_pb.js';

function executionStarted() {
  return create(HistoryEventSchema, {
    eventId: -1,
    timestamp: timestampFromMs(1_700_000_000_123),
    eventType: {
      case: 'executionStarted',
      value: {
        name: 'Greeter',
        input: 'Hello, 世界!',
        orchestrationInstance: { instanceId: 'i-1', executionId: 'e-1' },
        tags: { team: 'core' },
      },
    },
  });
}

// Appends field 999 (varint 42) to a message's bytes: a field this proto does not define.
function withUnknownField(bytes: Uint8Array): Uint8Array {
  const tag = (999 << 3) | 0; // wire type 0 = varint
  const extra = [(tag & 0x7f) | 0x80, tag >> 7, 42];
  return new Uint8Array([...bytes, ...extra]);
}

test('a HistoryEvent round-trips through binary encoding', () => {
  const event = executionStarted();
  const decoded = fromBinary(HistoryEventSchema, toBinary(HistoryEventSchema, event));
  assert.equal(decoded.eventId, -1);
  assert.equal(decoded.eventType.case, 'executionStarted');
  assert.equal(decoded.eventType.value?.name, 'Greeter');
  assert.equal(decoded.eventType.value?.input, 'Hello, 世界!');
  assert.deepEqual(decoded.eventType.value?.tags, { team: 'core' });
  assert.equal(Number(decoded.timestamp?.seconds), 1_700_000_000);
  assert.equal(decoded.timestamp?.nanos, 123_000_000);
  assert.deepEqual(toBinary(HistoryEventSchema, decoded), toBinary(HistoryEventSchema, event));
});

test('an OrchestratorRequest round-trips, history included', () => {
  const request = create(OrchestratorRequestSchema, {
    instanceId: 'i-1',
    executionId: 'e-1',
    pastEvents: [executionStarted()],
    newEvents: [
      create(HistoryEventSchema, {
        eventId: -1,
        eventType: { case: 'taskCompleted', value: { taskScheduledId: 0, result: '"a(x)"' } },
      }),
    ],
  });
  const decoded = fromBinary(OrchestratorRequestSchema, toBinary(OrchestratorRequestSchema, request));
  assert.equal(decoded.instanceId, 'i-1');
  assert.equal(decoded.executionId, 'e-1');
  assert.equal(decoded.pastEvents.length, 1);
  assert.equal(decoded.newEvents[0]?.eventType.case, 'taskCompleted');
  assert.equal(OrchestrationStatus[OrchestrationStatus.COMPLETED], 'COMPLETED');
});

test('unknown fields survive a decode and re-encode', () => {
  for (const [schema, message] of [
    [HistoryEventSchema, executionStarted()],
    [OrchestratorRequestSchema, create(OrchestratorRequestSchema, { instanceId: 'i-2' })],
  ] as const) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- two schemas in one table
    const bytes = withUnknownField(toBinary(schema as any, message));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const reencoded = toBinary(schema as any, fromBinary(schema as any, bytes));
    assert.deepEqual(reencoded, bytes);
  }
});
