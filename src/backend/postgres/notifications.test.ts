import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OrchestrationStatus } from '../../api/status.js';
import type { BackendNotification } from '../backend.js';
import { ChangeSet, decodeChanges, encodeChanges, NotificationFanOut } from './notifications.js';
import { channelName, compileOptions, validateSchemaName } from './options.js';

describe('notification payloads', () => {
  test('an empty change set sends nothing', () => {
    assert.deepEqual(encodeChanges('me', new ChangeSet()), []);
  });

  test('a change set round-trips with its origin', () => {
    const changes = new ChangeSet();
    changes.orchestrationWork = true;
    changes.instanceUpdated('a');
    changes.instanceUpdated('b"quoted"', OrchestrationStatus.COMPLETED);
    const payloads = encodeChanges('origin-1', changes);
    assert.equal(payloads.length, 1);
    const decoded = decodeChanges(payloads[0] ?? '');
    assert.equal(decoded?.origin, 'origin-1');
    assert.deepEqual(decoded?.notifications, [
      { kind: 'orchestration-work' },
      { kind: 'instance-updated', instanceId: 'a' },
      { kind: 'instance-updated', instanceId: 'b"quoted"', status: OrchestrationStatus.COMPLETED },
    ]);
  });

  test('many updated instances are split under the 8000-byte NOTIFY limit and none is lost', () => {
    const changes = new ChangeSet();
    changes.activityWork = true;
    const ids = Array.from({ length: 600 }, (_, i) => `instance-${'é'.repeat(20)}-${i}`);
    for (const id of ids) changes.instanceUpdated(id, OrchestrationStatus.RUNNING);
    const payloads = encodeChanges('o', changes);
    assert.ok(payloads.length > 1);
    for (const payload of payloads) assert.ok(Buffer.byteLength(payload) < 8000);
    const all = payloads.flatMap((p) => decodeChanges(p)?.notifications ?? []);
    assert.deepEqual(
      all.flatMap((n) => (n.kind === 'instance-updated' ? [n.instanceId] : [])),
      ids,
    );
    assert.equal(all.filter((n) => n.kind === 'activity-work').length, 1);
    assert.ok(all.every((n) => n.kind !== 'instance-updated' || n.status === OrchestrationStatus.RUNNING));
  });

  test('payloads without statuses (older engines) still name the updated instances', () => {
    assert.deepEqual(decodeChanges('{"s":"x","u":["a"]}')?.notifications, [
      { kind: 'instance-updated', instanceId: 'a' },
    ]);
  });

  test('the last status recorded for an instance wins, also across merged sets', () => {
    const first = new ChangeSet();
    first.instanceUpdated('a', OrchestrationStatus.PENDING);
    const second = new ChangeSet();
    second.instanceUpdated('a', OrchestrationStatus.RUNNING);
    first.merge(second);
    assert.deepEqual(first.toNotifications(), [
      { kind: 'instance-updated', instanceId: 'a', status: OrchestrationStatus.RUNNING },
    ]);
  });

  test('foreign payloads are rejected', () => {
    assert.equal(decodeChanges('not json'), undefined);
    assert.equal(decodeChanges('42'), undefined);
    assert.equal(decodeChanges('{"o":1}'), undefined);
  });

  test('a throwing subscriber does not stop the others', () => {
    const errors: unknown[] = [];
    const fanOut = new NotificationFanOut((err) => errors.push(err));
    const seen: BackendNotification[] = [];
    fanOut.subscribe(() => {
      throw new Error('broken');
    });
    const unsubscribe = fanOut.subscribe((n) => seen.push(n));
    fanOut.emit([{ kind: 'activity-work' }]);
    unsubscribe();
    fanOut.emit([{ kind: 'activity-work' }]);
    assert.deepEqual(seen, [{ kind: 'activity-work' }]);
    assert.equal(errors.length, 2);
  });
});

describe('options', () => {
  test('schema names are validated so they are safe as identifiers and channel names', () => {
    for (const good of ['durabletask', 'hub_1', '_x', 'a'.repeat(48)])
      assert.equal(validateSchemaName(good), good);
    for (const bad of ['', 'Hub', '1hub', 'a-b', 'a"b', 'pg_catalog', 'a'.repeat(49), 'hub; DROP']) {
      assert.throws(() => validateSchemaName(bad), { code: 'INVALID_ARGUMENT' }, bad);
    }
    assert.ok(channelName('a'.repeat(48)).length <= 63);
  });

  test('defaults are filled and bad sizes refused', () => {
    const compiled = compileOptions({ connectionString: 'postgres://x' });
    assert.equal(compiled.schema, 'durabletask');
    assert.equal(compiled.poolSize, 20);
    assert.equal(compiled.clock, undefined);
    assert.throws(() => compileOptions({ connectionString: 'postgres://x', poolSize: 0 }), {
      code: 'INVALID_ARGUMENT',
    });
    assert.throws(() => compileOptions({ connectionString: '' }), { code: 'INVALID_ARGUMENT' });
  });
});
