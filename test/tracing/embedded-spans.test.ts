// Spans of the embedded engine, as the Durable Task SDKs make them: a sequence with a
// sub-orchestration and a timer makes one trace whose parent-child links follow the work.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  DurableTaskEngine,
  OrchestrationStatus,
  Registry,
  SqliteBackend,
  type ActivityContext,
  type OrchestrationContext,
  type OrchestratorGenerator,
} from '../../src/index.js';
import { collectSpans, parentSpanIdOf, spansNamed } from './span-collector.js';

function greet(_ctx: ActivityContext, name: string): string {
  return `hello ${name}`;
}
function shout(_ctx: ActivityContext, text: string): string {
  if (text === 'fail') throw new Error('shout failed');
  return text.toUpperCase();
}
function* child(ctx: OrchestrationContext, text: string): OrchestratorGenerator<string> {
  return (yield ctx.callActivity(shout, text)) as string;
}
function* parent(ctx: OrchestrationContext, name: string): OrchestratorGenerator<string> {
  const greeting = (yield ctx.callActivity(greet, name)) as string;
  yield ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 10));
  return (yield ctx.callSubOrchestrator(child, greeting)) as string;
}

const collector = collectSpans();
const dir = mkdtempSync(join(tmpdir(), 'durabletask-tracing-'));
const engine = new DurableTaskEngine({
  backend: new SqliteBackend({ path: join(dir, 'traces.db'), synchronous: 'NORMAL' }),
  registry: new Registry()
    .addActivity(greet)
    .addActivity(shout)
    .addOrchestrator(child)
    .addOrchestrator(parent),
});

before(() => engine.start());
after(async () => {
  await engine.stop();
  await collector.close();
  rmSync(dir, { recursive: true, force: true });
});

const spanIds = (spans: readonly ReadableSpan[]): Set<string> =>
  new Set(spans.map((s) => s.spanContext().spanId));

test('a sequence with a timer and a sub-orchestration is one trace, linked parent to child', async () => {
  // The caller's own span (say, the HTTP request that started the work) is the root.
  const root = trace.getTracer('test').startSpan('request');
  const id = await context.with(trace.setSpan(context.active(), root), () =>
    engine.client.scheduleNewOrchestration(parent, 'world'),
  );
  root.end();
  const state = await engine.client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 });
  assert.equal(state.status, OrchestrationStatus.COMPLETED);
  assert.equal(state.output, JSON.stringify('HELLO WORLD'));

  const spans = collector.spans().filter((s) => s.spanContext().traceId === root.spanContext().traceId);
  const [create] = spansNamed(spans, 'create_orchestration:parent');
  assert.ok(create);
  assert.equal(parentSpanIdOf(create), root.spanContext().spanId, 'create is a child of the caller span');
  assert.equal(create.attributes['durabletask.task.instance_id'], id);

  const parentTurns = spansNamed(spans, 'orchestration:parent');
  for (const turn of parentTurns) {
    assert.equal(parentSpanIdOf(turn), create.spanContext().spanId, 'each turn is a child of create');
    assert.equal(turn.attributes['durabletask.task.instance_id'], id);
  }
  assert.ok(parentTurns.length >= 3, `one span per turn (${parentTurns.length})`);
  assert.equal(
    parentTurns.filter((t) => t.attributes['durabletask.task.status'] === 'COMPLETED').length,
    1,
    'the last turn records the outcome',
  );

  const [greetSpan] = spansNamed(spans, 'activity:greet');
  assert.ok(greetSpan);
  assert.ok(spanIds(parentTurns).has(parentSpanIdOf(greetSpan) ?? ''), 'the activity is a child of a turn');
  const history = await engine.client.getOrchestrationHistory(id);
  const scheduled = history.find((e) => e.eventType.case === 'taskScheduled');
  assert.equal(
    greetSpan.attributes['durabletask.task.task_id'],
    scheduled?.eventId,
    'the task id is the event id',
  );

  const [timer] = spansNamed(spans, 'orchestration:parent:timer');
  assert.ok(timer);
  assert.ok(spanIds(parentTurns).has(parentSpanIdOf(timer) ?? ''), 'the timer is a child of a turn');
  assert.ok(timer.attributes['durabletask.fire_at']);

  const childTurns = spansNamed(spans, 'orchestration:child');
  for (const turn of childTurns) {
    assert.ok(spanIds(parentTurns).has(parentSpanIdOf(turn) ?? ''), 'the child is a child of a parent turn');
  }
  const [shoutSpan] = spansNamed(spans, 'activity:shout');
  assert.ok(shoutSpan);
  assert.ok(spanIds(childTurns).has(parentSpanIdOf(shoutSpan) ?? ''), "the child's activity is its child");
});

test('a failing activity and a failing orchestration mark their spans as errors', async () => {
  const id = await engine.client.scheduleNewOrchestration(child, 'fail');
  const state = await engine.client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 });
  assert.equal(state.status, OrchestrationStatus.FAILED);
  const mine = collector.spans().filter((s) => s.attributes['durabletask.task.instance_id'] === id);
  const [activity] = spansNamed(mine, 'activity:shout');
  assert.equal(activity?.status.code, 2 /* ERROR */);
  assert.match(activity?.status.message ?? '', /shout failed/);
  const failedTurn = spansNamed(mine, 'orchestration:child').find(
    (t) => t.attributes['durabletask.task.status'] === 'FAILED',
  );
  assert.equal(failedTurn?.status.code, 2 /* ERROR */);
});
