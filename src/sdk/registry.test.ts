import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDurableTaskError } from '../api/errors.js';
import type { ActivityContext } from './activity.js';
import type { OrchestrationContext } from './context.js';
import { Registry } from './registry.js';
import type { Task } from './tasks.js';

function greet(_ctx: ActivityContext, name: string): string {
  return `hello ${name}`;
}

async function fetchCount(_ctx: ActivityContext, url: URL): Promise<number> {
  await Promise.resolve();
  return url.href.length;
}

function* child(_ctx: OrchestrationContext, n: number) {
  yield* [];
  return n * 2;
}

describe('Registry', () => {
  test('names default to the function name', () => {
    const registry = new Registry().addActivity(greet).addOrchestrator(child);
    assert.equal(registry.getActivity('greet'), greet);
    assert.equal(registry.getOrchestrator('child'), child);
    assert.deepEqual(registry.activityNames, ['greet']);
    assert.deepEqual(registry.orchestratorNames, ['child']);
    assert.equal(registry.getActivity('child'), undefined);
  });

  test('explicit names', () => {
    const registry = new Registry().addNamedActivity('Greet.v2', greet);
    assert.equal(registry.getActivity('Greet.v2'), greet);
    assert.equal(registry.getActivity('greet'), undefined);
  });

  test('refuses duplicates, anonymous functions and empty names', () => {
    const registry = new Registry().addActivity(greet);
    const invalid = (err: unknown) => isDurableTaskError(err, 'INVALID_ARGUMENT');
    assert.throws(() => registry.addActivity(greet), invalid);
    assert.throws(
      () => registry.addActivity([(_ctx: ActivityContext) => 1][0] as (ctx: ActivityContext) => number),
      invalid,
    );
    assert.throws(() => registry.addNamedOrchestrator('', child), invalid);
  });

  test('callActivity and callSubOrchestrator take their types from function references', () => {
    // Compile-time checks: this function is type-checked, never run.
    const typed = (ctx: OrchestrationContext) => {
      const greeting: Task<string> = ctx.callActivity(greet, 'ann');
      const count: Task<number> = ctx.callActivity(fetchCount, new URL('https://example.org'));
      const doubled: Task<number> = ctx.callSubOrchestrator(child, 21);
      const byName: Task<boolean> = ctx.callActivity<boolean>('anything', { free: 'form' });
      // @ts-expect-error the input of greet is a string
      ctx.callActivity(greet, 42);
      // @ts-expect-error greet returns a string
      const wrong: Task<number> = ctx.callActivity(greet, 'ann');
      // @ts-expect-error the child takes a number
      ctx.callSubOrchestrator(child, 'x');
      return [greeting, count, doubled, byName, wrong];
    };
    assert.equal(typeof typed, 'function');
  });
});
