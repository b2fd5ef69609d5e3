// A trace that starts in an app using @microsoft/durabletask-js continues through the sidecar and
// back: the SDK's client and worker make the spans, the sidecar carries their context (the
// create span into ExecutionStarted, each turn's span identity into the next turn's request).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  OrchestrationStatus,
  type ActivityContext,
  type OrchestrationContext,
} from '@microsoft/durabletask-js';
import { startTestSidecar, type TestSidecar } from '../sidecar/harness.js';
import { connectSdk, type SdkConnection } from '../sidecar/sdk-connection.js';
import { collectSpans, parentSpanIdOf, spansNamed } from './span-collector.js';

function greet(_ctx: ActivityContext, name: string): string {
  return `hello ${name}`;
}
function shout(_ctx: ActivityContext, text: string): string {
  return text.toUpperCase();
}
async function* child(ctx: OrchestrationContext, text: string): AsyncGenerator<unknown, string, string> {
  return yield ctx.callActivity(shout, text);
}
async function* parent(ctx: OrchestrationContext, name: string): AsyncGenerator<unknown, string, string> {
  const greeting = yield ctx.callActivity(greet, name);
  yield ctx.createTimer(0);
  return yield ctx.callSubOrchestrator(child, greeting);
}

const collector = collectSpans();
let env: TestSidecar;
let sdk: SdkConnection;

before(async () => {
  env = await startTestSidecar();
  sdk = await connectSdk(env, (w) => {
    w.addOrchestrator(parent);
    w.addOrchestrator(child);
    w.addActivity(greet);
    w.addActivity(shout);
  });
});

after(async () => {
  await sdk?.close();
  await env?.close();
  await collector.close();
});

test('the SDK spans of a sequence with a sub-orchestration form one linked trace', async () => {
  const id = await sdk.client.scheduleNewOrchestration(parent, 'world');
  const state = await sdk.client.waitForOrchestrationCompletion(id, true, 30);
  assert.equal(state?.runtimeStatus, OrchestrationStatus.COMPLETED);
  assert.equal(state?.serializedOutput, JSON.stringify('HELLO WORLD'));

  const spans = collector.spans();
  const [create] = spansNamed(spans, 'create_orchestration:parent');
  assert.ok(create);
  const traceId = create.spanContext().traceId;
  const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);

  const turns = spansNamed(inTrace, 'orchestration:parent');
  assert.ok(turns.length >= 3, `every turn of the parent is in the create span's trace (${turns.length})`);
  for (const turn of turns) {
    assert.equal(parentSpanIdOf(turn), create.spanContext().spanId, 'each turn is a child of create');
  }
  // The first turn's span identity comes back with every later turn of the same instance.
  const first = turns.find((t) => t.attributes['durabletask.task.replay_span_id'] === undefined);
  assert.ok(first, 'one turn is the first execution');
  const replays = turns.filter((t) => t !== first);
  assert.ok(replays.length >= 2);
  for (const replay of replays) {
    assert.equal(replay.attributes['durabletask.task.replay_span_id'], first.spanContext().spanId);
  }

  spansNamed(inTrace, 'activity:greet');
  spansNamed(inTrace, 'orchestration:child');
  spansNamed(inTrace, 'activity:shout');
});
