import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InstanceQuery } from '../../api/instance.js';
import { OrchestrationStatus } from '../../api/status.js';
import {
  assertRejectsWith,
  withBackend,
  type ConformanceContext,
  type ConformanceFactory,
} from './conformance-context.js';
import { startEvent } from './turn-builders.js';

/** Follows continuation tokens to the end, returning every item and the number of pages. */
async function collectPages<T>(
  fetchPage: (query: InstanceQuery) => Promise<{ items: readonly T[]; continuationToken?: string }>,
  query: InstanceQuery,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await fetchPage({ ...query, ...(token !== undefined && { continuationToken: token }) });
    assert.ok(page.items.length <= (query.pageSize ?? 100));
    items.push(...page.items);
    token = page.continuationToken;
    pages++;
    assert.ok(pages < 100, 'pagination does not terminate');
  } while (token !== undefined);
  return { items, pages };
}

/**
 * Seven instances created 10 ms apart: alpha-0..3 (name Alpha) then beta-0..2 (name Beta);
 * alpha-1 and beta-1 completed. Returns the creation times by id.
 */
async function seed(ctx: ConformanceContext): Promise<Map<string, number>> {
  const createdAt = new Map<string, number>();
  const specs: [string, string][] = [
    ['alpha-0', 'Alpha'],
    ['alpha-1', 'Alpha'],
    ['alpha-2', 'Alpha'],
    ['alpha-3', 'Alpha'],
    ['beta-0', 'Beta'],
    ['beta-1', 'Beta'],
    ['beta-2', 'Beta'],
  ];
  for (const [id, name] of specs) {
    await ctx.backend.createInstance(startEvent(id, await ctx.now(), { name, input: `"${id}"` }));
    if (id.endsWith('-1')) await ctx.complete(id);
    createdAt.set(id, (await ctx.backend.getInstance(id, false))?.createdAt ?? -1);
    await ctx.advance(10);
  }
  return createdAt;
}

/** Queries over instances, id listings and purges. */
export function queryConformanceTests(factory: ConformanceFactory): void {
  test('queryInstances filters by status, name prefix and id prefix', async () => {
    await withBackend(factory, async (ctx) => {
      await seed(ctx);
      const ids = async (query: InstanceQuery): Promise<string[]> =>
        (await collectPages((q) => ctx.backend.queryInstances(q), query)).items
          .map((s) => s.instanceId)
          .sort();
      assert.deepEqual(await ids({ statuses: [OrchestrationStatus.COMPLETED] }), ['alpha-1', 'beta-1']);
      assert.deepEqual(await ids({ statuses: [OrchestrationStatus.PENDING], namePrefix: 'Be' }), [
        'beta-0',
        'beta-2',
      ]);
      assert.deepEqual(await ids({ instanceIdPrefix: 'alpha-' }), [
        'alpha-0',
        'alpha-1',
        'alpha-2',
        'alpha-3',
      ]);
      // Prefixes are case-sensitive and literal.
      assert.deepEqual(await ids({ namePrefix: 'alpha' }), []);
      assert.deepEqual(await ids({ instanceIdPrefix: 'alpha_' }), []);
      assert.deepEqual(await ids({ statuses: [OrchestrationStatus.FAILED] }), []);
    });
  });

  test('queryInstances honours the created range [from, to)', async () => {
    await withBackend(factory, async (ctx) => {
      const createdAt = await seed(ctx);
      const from = createdAt.get('alpha-2') ?? 0;
      const to = createdAt.get('beta-1') ?? 0;
      const page = await collectPages((q) => ctx.backend.queryInstances(q), {
        createdFrom: from,
        createdTo: to,
      });
      assert.deepEqual(page.items.map((s) => s.instanceId).sort(), ['alpha-2', 'alpha-3', 'beta-0']);
    });
  });

  test('paging with continuation tokens returns every item exactly once, oldest first', async () => {
    await withBackend(factory, async (ctx) => {
      await seed(ctx);
      const all = await collectPages((q) => ctx.backend.queryInstances(q), {
        pageSize: 3,
        includePayloads: true,
      });
      assert.equal(all.pages, 3);
      assert.deepEqual(
        all.items.map((s) => s.instanceId),
        ['alpha-0', 'alpha-1', 'alpha-2', 'alpha-3', 'beta-0', 'beta-1', 'beta-2'],
      );
      assert.equal(all.items[0]?.input, '"alpha-0"');
      const withoutPayloads = await ctx.backend.queryInstances({ pageSize: 1 });
      assert.equal(withoutPayloads.items[0]?.input, undefined);

      const exact = await collectPages((q) => ctx.backend.queryInstances(q), { pageSize: 7 });
      assert.equal(exact.items.length, 7);
      assert.ok(exact.pages <= 2);
    });
  });

  test('listInstanceIds pages through the matching ids', async () => {
    await withBackend(factory, async (ctx) => {
      await seed(ctx);
      const all = await collectPages((q) => ctx.backend.listInstanceIds(q), { pageSize: 2 });
      assert.deepEqual(all.items, ['alpha-0', 'alpha-1', 'alpha-2', 'alpha-3', 'beta-0', 'beta-1', 'beta-2']);
      assert.equal(all.pages, 4);
      const completed = await collectPages((q) => ctx.backend.listInstanceIds(q), {
        pageSize: 1,
        statuses: [OrchestrationStatus.COMPLETED],
      });
      assert.deepEqual(completed.items, ['alpha-1', 'beta-1']);
    });
  });

  test('a malformed continuation token is an invalid argument', async () => {
    await withBackend(factory, async (ctx) => {
      await assertRejectsWith(
        ctx.backend.queryInstances({ continuationToken: 'not a token' }),
        'INVALID_ARGUMENT',
      );
    });
  });

  test('purgeInstance refuses unknown and unfinished instances', async () => {
    await withBackend(factory, async (ctx) => {
      await assertRejectsWith(ctx.backend.purgeInstance('nope', false), 'INSTANCE_NOT_FOUND');
      await ctx.create('running');
      await assertRejectsWith(ctx.backend.purgeInstance('running', true), 'NOT_COMPLETED');
      assert.ok(await ctx.backend.getInstance('running', false));
      await ctx.lease('running');
    });
  });

  test('purgeInstance deletes everything of the instance; a second purge finds nothing', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.createCompleted('done');
      // A late event for a completed instance sits in its inbox.
      await ctx.backend.addEvent('done', startEvent('x', await ctx.now()));
      assert.equal(await ctx.backend.purgeInstance('done', false), 1);
      assert.equal(await ctx.backend.getInstance('done', false), undefined);
      assert.deepEqual(await ctx.backend.getHistory('done'), []);
      await ctx.assertNoOrchestrationWork();
      await assertRejectsWith(ctx.backend.purgeInstance('done', false), 'INSTANCE_NOT_FOUND');
    });
  });

  test('a recursive purge deletes the finished sub-orchestrations too', async () => {
    await withBackend(factory, async (ctx) => {
      const parent = { instanceId: 'root', executionId: 'root:exec-1', name: 'Root', taskScheduledId: 0 };
      await ctx.createCompleted('root');
      for (const id of ['kid-a', 'kid-b']) {
        await ctx.backend.createInstance(startEvent(id, await ctx.now(), { parent }));
        await ctx.complete(id);
      }
      await ctx.createCompleted('other');
      assert.equal(await ctx.backend.purgeInstance('root', true), 3);
      assert.deepEqual((await ctx.backend.listInstanceIds({})).items, ['other']);
    });
  });

  test('a non-recursive purge leaves the sub-orchestrations', async () => {
    await withBackend(factory, async (ctx) => {
      const parent = { instanceId: 'top', executionId: 'top:exec-1', name: 'Top', taskScheduledId: 0 };
      await ctx.createCompleted('top');
      await ctx.backend.createInstance(startEvent('sub', await ctx.now(), { parent }));
      await ctx.complete('sub');
      assert.equal(await ctx.backend.purgeInstance('top', false), 1);
      assert.deepEqual((await ctx.backend.listInstanceIds({})).items, ['sub']);
    });
  });

  test('purgeInstances deletes only finished instances matching the filter', async () => {
    await withBackend(factory, async (ctx) => {
      const createdAt = await seed(ctx);
      // A running instance inside the range survives a purge without a status filter.
      assert.equal(
        await ctx.backend.purgeInstances({
          createdFrom: createdAt.get('alpha-0') ?? 0,
          createdTo: createdAt.get('beta-1') ?? 0,
        }),
        1,
      );
      assert.equal(await ctx.backend.getInstance('alpha-1', false), undefined);
      assert.ok(await ctx.backend.getInstance('beta-1', false));
      assert.equal(await ctx.backend.purgeInstances({ statuses: [OrchestrationStatus.PENDING] }), 0);
      assert.equal(await ctx.backend.purgeInstances({ statuses: [OrchestrationStatus.COMPLETED] }), 1);
      assert.deepEqual((await ctx.backend.listInstanceIds({})).items, [
        'alpha-0',
        'alpha-2',
        'alpha-3',
        'beta-0',
        'beta-2',
      ]);
    });
  });

  test('purgeInstances with a limit deletes at most that many finished instances, oldest first', async () => {
    await withBackend(factory, async (ctx) => {
      for (const id of ['p-0', 'p-1', 'p-2']) await ctx.createCompleted(id);
      await ctx.create('p-running');
      assert.equal(await ctx.backend.purgeInstances({ limit: 2 }), 2);
      assert.deepEqual((await ctx.backend.listInstanceIds({})).items, ['p-2', 'p-running']);
      assert.equal(await ctx.backend.purgeInstances({ limit: 2 }), 1);
      assert.equal(await ctx.backend.purgeInstances({ limit: 2 }), 0);
      assert.deepEqual((await ctx.backend.listInstanceIds({})).items, ['p-running']);
    });
  });

  test('a completed-time window selects in the store: full pages, running instances never match', async () => {
    await withBackend(factory, async (ctx) => {
      await ctx.createCompleted('early');
      await ctx.advance(5);
      const from = await ctx.now();
      for (const id of ['in-0', 'in-1', 'in-2']) await ctx.createCompleted(id);
      await ctx.create('running');
      await ctx.advance(5);
      const to = await ctx.now();
      const first = await ctx.backend.listInstanceIds({ completedFrom: from, completedTo: to, pageSize: 2 });
      assert.deepEqual(first.items, ['in-0', 'in-1']);
      assert.ok(first.continuationToken);
      const second = await ctx.backend.listInstanceIds({
        completedFrom: from,
        completedTo: to,
        pageSize: 2,
        continuationToken: first.continuationToken,
      });
      assert.deepEqual(second.items, ['in-2']);
      assert.equal(second.continuationToken, undefined);
      const states = await ctx.backend.queryInstances({ completedTo: from });
      assert.deepEqual(
        states.items.map((state) => state.instanceId),
        ['early'],
      );
    });
  });
}
