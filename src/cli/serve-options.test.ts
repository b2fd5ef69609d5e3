import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CliIo } from './cli-io.js';
import { main } from './main.js';
import { parseServeArgs } from './serve-options.js';
import { DEFAULT_POOL_SIZE, describeStore, maskPassword, parseStoreLocation } from './store-location.js';
import { UsageError } from './usage-error.js';

function serveOptions(args: string[]) {
  const parsed = parseServeArgs(args);
  assert.equal(parsed.kind, 'serve');
  return parsed.options;
}

describe('parseServeArgs', () => {
  test('defaults: 127.0.0.1:4001, ./durabletask.db, 64 MiB messages, info logs', () => {
    assert.deepEqual(serveOptions([]), {
      host: '127.0.0.1',
      port: 4001,
      store: { kind: 'sqlite', path: './durabletask.db' },
      maxMessageBytes: 64 * 1024 * 1024,
      logLevel: 'info',
    });
  });

  test('lease length and renewal interval', () => {
    const options = serveOptions(['--lease-ms', '6000', '--lease-renew-ms=2000']);
    assert.equal(options.leaseMs, 6000);
    assert.equal(options.leaseRenewMs, 2000);
    assert.equal(serveOptions(['--lease-renew-ms', '9000']).leaseRenewMs, 9000);
    assert.throws(() => parseServeArgs(['--lease-renew-ms', '10000']), /must be less than the lease/);
    assert.throws(() => parseServeArgs(['--lease-ms', '6000', '--lease-renew-ms', '6000']), /less than/);
    assert.throws(() => parseServeArgs(['--lease-ms', '5']), /--lease-ms must be between/);
  });

  test('every flag, in both --flag value and --flag=value forms', () => {
    const options = serveOptions([
      '--host',
      '0.0.0.0',
      '--port=0',
      '--db',
      ':memory:',
      '--max-message-size',
      '1048576',
      '--log-level=debug',
    ]);
    assert.equal(options.host, '0.0.0.0');
    assert.equal(options.port, 0);
    assert.deepEqual(options.store, { kind: 'sqlite', path: ':memory:' });
    assert.equal(options.maxMessageBytes, 1_048_576);
    assert.equal(options.logLevel, 'debug');
    assert.deepEqual(parseServeArgs(['-h']), { kind: 'help' });
  });

  test('a postgres:// store with --schema and --pool-size', () => {
    const options = serveOptions([
      '--db',
      'postgres://postgres@127.0.0.1:5432/test',
      '--schema',
      'orders_hub',
      '--pool-size=4',
    ]);
    assert.deepEqual(options.store, {
      kind: 'postgres',
      connectionString: 'postgres://postgres@127.0.0.1:5432/test',
      schema: 'orders_hub',
      poolSize: 4,
    });
  });

  const bad: [string[], RegExp][] = [
    [['--port', '70000'], /--port must be between 0 and 65535/],
    [['--port=-1'], /--port must be a whole number/],
    [['--port', '-1'], /argument is ambiguous/],
    [['--port', '40.5'], /whole number/],
    [['--max-message-size', '64MiB'], /--max-message-size must be a whole number/],
    [['--max-message-size', '10'], /between 1024/],
    [['--log-level', 'loud'], /--log-level must be one of trace, debug/],
    [['--host', ''], /--host must not be empty/],
    [['--nope'], /Unknown option '--nope'/],
    [['extra'], /positional/i],
    [['--db', 'mysql://user:secret@db/hub'], /'mysql:\/\/' stores are not supported/],
    [['--db', 'postgres://user:secret@db:99999/hub'], /--db: not a valid postgres:\/\/ URL/],
    [['--db', 'postgres://user:secret@db/hub', '--schema', 'Hub'], /--schema: Invalid schema name 'Hub'/],
    [['--db', 'postgres://user:secret@db/hub', '--schema=pg_hub'], /not starting with pg_/],
    [['--db', 'postgres://user:secret@db/hub', '--schema', 'a'.repeat(49)], /at most 48 characters/],
    [['--db', 'postgres://user:secret@db/hub', '--pool-size', '0'], /--pool-size must be between 1/],
    [['--db', 'postgres://user:secret@db/hub', '--pool-size', 'many'], /--pool-size must be a whole number/],
    [['--schema', 'hub'], /--schema applies only to a PostgreSQL store/],
    [['--db', 'sqlite:hub.db', '--pool-size', '4'], /--pool-size applies only to a PostgreSQL store/],
  ];
  for (const [args, message] of bad) {
    test(`refuses ${args.join(' ')}`, () => {
      assert.throws(
        () => parseServeArgs(args),
        (err: Error) =>
          err instanceof UsageError && message.test(err.message) && !err.message.includes('secret'),
      );
    });
  }
});

describe('parseStoreLocation', () => {
  test('paths, sqlite: prefixes and :memory:', () => {
    assert.deepEqual(parseStoreLocation('data/hub.db'), { kind: 'sqlite', path: 'data/hub.db' });
    assert.deepEqual(parseStoreLocation('sqlite:hub.db'), { kind: 'sqlite', path: 'hub.db' });
    assert.deepEqual(parseStoreLocation('sqlite:///var/hub.db'), { kind: 'sqlite', path: '/var/hub.db' });
    assert.deepEqual(parseStoreLocation(':memory:'), { kind: 'sqlite', path: ':memory:' });
    assert.deepEqual(parseStoreLocation('C:\\hub.db'), { kind: 'sqlite', path: 'C:\\hub.db' });
    assert.throws(() => parseStoreLocation('mysql://h/db'), /'mysql:\/\/' stores are not supported/);
    assert.throws(() => parseStoreLocation('sqlite:'), /names no file/);
  });

  test('postgres:// and postgresql:// URLs, with schema and pool size defaults', () => {
    const url = 'postgres://postgres@127.0.0.1:5432/test';
    assert.deepEqual(parseStoreLocation(url), {
      kind: 'postgres',
      connectionString: url,
      schema: 'durabletask',
      poolSize: DEFAULT_POOL_SIZE,
    });
    assert.deepEqual(parseStoreLocation('postgresql://u:pw@h/db', { schema: 'hub_2', poolSize: '3' }), {
      kind: 'postgres',
      connectionString: 'postgresql://u:pw@h/db',
      schema: 'hub_2',
      poolSize: 3,
    });
    assert.equal(parseStoreLocation('POSTGRES://h/db').kind, 'postgres');
  });

  test('the store description never shows a password', () => {
    assert.equal(
      describeStore(parseStoreLocation('postgres://postgres@127.0.0.1:5432/test')),
      'postgres: postgres://postgres@127.0.0.1:5432/test, schema durabletask',
    );
    assert.equal(
      describeStore(parseStoreLocation('postgres://app:s3cret@db.internal:6432/hub', { schema: 'orders' })),
      'postgres: postgres://app:***@db.internal:6432/hub, schema orders',
    );
    assert.equal(maskPassword('postgresql://app@h/db?password=s3cret'), 'postgresql://app@h/db?password=***');
    assert.equal(maskPassword('postgres://h/db?sslmode=require'), 'postgres://h/db?sslmode=require');
    assert.equal(describeStore(parseStoreLocation('sqlite:hub.db')), 'sqlite: hub.db');
  });
});

describe('main', () => {
  function fakeIo() {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      stdout: (line) => out.push(line),
      stderr: (line) => err.push(line),
      onShutdownSignal: () => () => undefined,
    };
    return { io, out, err };
  }

  test('help exits 0; usage errors exit 2 with a hint', async () => {
    const help = fakeIo();
    assert.equal(await main(['--help'], help.io), 0);
    assert.match(help.out.join('\n'), /durabletask <command>[\s\S]*serve/);
    const serveHelp = fakeIo();
    assert.equal(await main(['serve', '--help'], serveHelp.io), 0);
    assert.match(serveHelp.out.join('\n'), /--max-message-size/);
    assert.match(serveHelp.out.join('\n'), /postgres:\/\/user\[:password\]@host/);
    assert.match(serveHelp.out.join('\n'), /--schema <name>[\s\S]*default durabletask/);
    assert.match(
      serveHelp.out.join('\n'),
      new RegExp(`--pool-size <n>[\\s\\S]*default ${DEFAULT_POOL_SIZE}`),
    );

    const unknown = fakeIo();
    assert.equal(await main(['launch'], unknown.io), 2);
    assert.deepEqual(unknown.err, [
      "durabletask: unknown command 'launch'.",
      "Run 'durabletask --help' for usage.",
    ]);
    const badFlag = fakeIo();
    assert.equal(await main(['serve', '--port', 'x'], badFlag.io), 2);
    assert.match(badFlag.err[1]!, /durabletask serve --help/);
  });

  test('a bad --schema is a usage error (exit 2) that does not echo the password', async () => {
    const { io, err } = fakeIo();
    const code = await main(['serve', '--db', 'postgres://u:s3cret@h/db', '--schema', 'Bad-Name'], io);
    assert.equal(code, 2);
    assert.match(err[0]!, /^durabletask: --schema: Invalid schema name 'Bad-Name'/);
    assert.doesNotMatch(err.join('\n'), /s3cret/);
  });

  test('a store that cannot be opened exits 1 with the reason', async () => {
    const { io, err, out } = fakeIo();
    const code = await main(
      ['serve', '--port', '0', '--log-level', 'silent', '--db', '/nonexistent-dir/x/hub.db'],
      io,
    );
    assert.equal(code, 1);
    assert.deepEqual(out, []);
    assert.match(
      err[0]!,
      /could not start the sidecar on 127\.0\.0\.1:0 \(sqlite: \/nonexistent-dir\/x\/hub\.db\)/,
    );
  });

  test('an unreachable PostgreSQL server exits 1; the message masks the password', async () => {
    const { io, err, out } = fakeIo();
    // Port 1 on the loopback refuses at once.
    const code = await main(
      ['serve', '--port', '0', '--log-level', 'silent', '--db', 'postgres://u:s3cret@127.0.0.1:1/db'],
      io,
    );
    assert.equal(code, 1);
    assert.deepEqual(out, []);
    assert.match(
      err[0]!,
      /could not start the sidecar on 127\.0\.0\.1:0 \(postgres: postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db, schema durabletask\): /,
    );
    assert.doesNotMatch(err.join('\n'), /s3cret/);
  });
});
