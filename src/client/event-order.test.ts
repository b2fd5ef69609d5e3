import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HistoryEvent } from '../proto/orchestrator_service_pb.js';
import { eventOf } from '../runtime/history-events.js';
import { TaskHubClient } from './task-hub-client.js';
import { createTestBackend } from './testing/test-backend.js';

test('concurrent raises to one instance reach the backend in call order', async (t) => {
  const { backend: inner } = await createTestBackend(t);
  // A backend clock whose reads answer in reverse order, as pooled queries may.
  let pendingReads = 0;
  const added: string[] = [];
  const backend = new Proxy(inner, {
    get(target, property) {
      if (property === 'now') {
        return async () => {
          const delay = 30 - pendingReads++ * 10;
          await new Promise((resolve) => setTimeout(resolve, Math.max(delay, 0)));
          return target.now();
        };
      }
      if (property === 'addEvent') {
        return (instanceId: string, event: HistoryEvent) => {
          added.push(eventOf(event, 'eventRaised')?.input ?? '?');
          return target.addEvent(instanceId, event);
        };
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  const client = new TaskHubClient({ backend });
  const id = await client.scheduleNewOrchestration('Waiter');
  await Promise.all([1, 2, 3].map((n) => client.raiseOrchestrationEvent(id, 'e', n)));
  assert.deepEqual(added, ['1', '2', '3']);
});
