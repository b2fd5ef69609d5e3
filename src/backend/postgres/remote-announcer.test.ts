import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChangeSet, decodeChanges } from './notifications.js';
import { RemoteAnnouncer } from './remote-announcer.js';

function changes(init: { o?: boolean; a?: boolean; ids?: string[] }): ChangeSet {
  const set = new ChangeSet();
  set.orchestrationWork = init.o ?? false;
  set.activityWork = init.a ?? false;
  for (const id of init.ids ?? []) set.instanceUpdated(id);
  return set;
}

/** An announcer whose scheduled flushes and sends are run by hand. */
function setup() {
  const scheduled: (() => void)[] = [];
  const sends: { payloads: readonly string[]; settle: (err?: Error) => void }[] = [];
  const warnings: string[] = [];
  const announcer = new RemoteAnnouncer({
    origin: 'me',
    schedule: (fn) => void scheduled.push(fn),
    send: (payloads) =>
      new Promise<void>((resolve, reject) => {
        sends.push({ payloads, settle: (err) => (err ? reject(err) : resolve()) });
      }),
    logger: { debug() {}, info() {}, error() {}, warn: (_obj, msg) => void warnings.push(msg ?? '') },
  });
  const runScheduled = (): void => {
    for (const fn of scheduled.splice(0)) fn();
  };
  const sent = (index: number) =>
    sends[index]?.payloads.map((payload) => decodeChanges(payload)?.notifications);
  return { announcer, scheduled, sends, warnings, runScheduled, sent };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('RemoteAnnouncer', () => {
  test('changes announced in one turn go out merged in one NOTIFY', () => {
    const { announcer, scheduled, sends, runScheduled, sent } = setup();
    announcer.announce(changes({ o: true, ids: ['x'] }));
    announcer.announce(changes({ a: true, ids: ['y', 'x'] }));
    announcer.announce(new ChangeSet());
    assert.equal(scheduled.length, 1);
    assert.equal(sends.length, 0, 'nothing is sent before the scheduled flush');
    runScheduled();
    assert.equal(sends.length, 1);
    assert.deepEqual(sent(0), [
      [
        { kind: 'orchestration-work' },
        { kind: 'activity-work' },
        { kind: 'instance-updated', instanceId: 'x' },
        { kind: 'instance-updated', instanceId: 'y' },
      ],
    ]);
  });

  test('changes announced while a NOTIFY is in flight wait for it, then go out together', async () => {
    const { announcer, scheduled, sends, runScheduled, sent } = setup();
    announcer.announce(changes({ ids: ['a'] }));
    runScheduled();
    announcer.announce(changes({ ids: ['b'] }));
    announcer.announce(changes({ ids: ['c'] }));
    assert.equal(scheduled.length, 0, 'one NOTIFY in flight at most');
    sends[0]?.settle();
    await tick();
    runScheduled();
    assert.equal(sends.length, 2);
    assert.deepEqual(sent(1), [
      [
        { kind: 'instance-updated', instanceId: 'b' },
        { kind: 'instance-updated', instanceId: 'c' },
      ],
    ]);
  });

  test('a failed NOTIFY is logged and does not stop later ones; drain waits for what is pending', async () => {
    const { announcer, sends, warnings, runScheduled } = setup();
    announcer.announce(changes({ o: true }));
    runScheduled();
    announcer.announce(changes({ a: true }));
    let drained = false;
    const draining = announcer.drain().then(() => (drained = true));
    sends[0]?.settle(new Error('connection lost'));
    await tick();
    assert.deepEqual(warnings, ['Sending a change notification failed.']);
    // drain flushes what is pending without waiting for the scheduled turn.
    assert.equal(sends.length, 2);
    assert.equal(drained, false);
    sends[1]?.settle();
    await draining;
    assert.equal(drained, true);
  });
});
