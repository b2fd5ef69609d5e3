import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type pg from 'pg';
import { Database } from './database.js';
import { compileStatement } from './sql/compile.js';
import {
  CommitOutcomeUnknownError,
  isTransientError,
  transientReason,
  withRetry,
} from './transient-errors.js';

const pgError = (code: string, message = `error ${code}`): Error =>
  Object.assign(new Error(message), { code });
const POLICY = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 15 };

describe('transient error table', () => {
  test('connection, shutdown, serialization and deadlock failures are transient', () => {
    for (const code of ['08000', '08003', '08006', '08P01', '57P01', '57P02', '57P03', '40001', '40P01']) {
      assert.ok(isTransientError(pgError(code)), code);
    }
    assert.equal(transientReason(pgError('40P01')), 'deadlock detected');
    assert.ok(isTransientError(pgError('ECONNRESET')));
    assert.ok(isTransientError(new Error('Connection terminated unexpectedly')));
  });

  test('constraint, syntax and domain errors are not', () => {
    for (const code of ['23505', '42601', '42P01', '22P02', '40002', '57014', 'LOCK_LOST']) {
      assert.equal(isTransientError(pgError(code)), false, code);
    }
    assert.equal(isTransientError(new Error('boom')), false);
    assert.equal(isTransientError(undefined), false);
    assert.equal(isTransientError('08006'), false);
  });
});

describe('withRetry', () => {
  test('retries transient failures with doubling, capped delays, then succeeds', async () => {
    const delays: number[] = [];
    const reasons: string[] = [];
    let calls = 0;
    const value = await withRetry(
      async (attempt) => {
        calls++;
        if (attempt < 3) throw pgError('40P01');
        return 'done';
      },
      POLICY,
      { sleep: async (ms) => void delays.push(ms), onRetry: ({ reason }) => void reasons.push(reason) },
    );
    assert.equal(value, 'done');
    assert.equal(calls, 3);
    assert.deepEqual(delays, [10, 15]);
    assert.deepEqual(reasons, ['deadlock detected', 'deadlock detected']);
  });

  test('gives up after maxAttempts and rethrows the last failure', async () => {
    let calls = 0;
    const last = pgError('57P01', 'terminated 3');
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw calls === 3 ? last : pgError('57P01');
        },
        POLICY,
        { sleep: async () => undefined },
      ),
      (err) => err === last,
    );
    assert.equal(calls, 3);
  });

  test('does not retry a failure that is not transient', async () => {
    let calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw pgError('23505');
        },
        POLICY,
        { sleep: async () => undefined },
      ),
      { code: '23505' },
    );
    assert.equal(calls, 1);
  });
});

/** A pool whose clients record every statement and fail as `failOn` says. */
function fakePool(failOn: (text: string, connection: number) => Error | undefined) {
  const log: string[] = [];
  const released: (Error | undefined)[] = [];
  let connections = 0;
  const pool = {
    async connect() {
      const connection = ++connections;
      return {
        async query(query: string | { text: string }) {
          const text = typeof query === 'string' ? query : query.text;
          log.push(`${connection}:${text}`);
          const failure = failOn(text, connection);
          if (failure) throw failure;
          return { rows: [], rowCount: 0 };
        },
        release(err?: Error) {
          released.push(err);
        },
        on() {},
        off() {},
      };
    },
  };
  return { pool: pool as unknown as pg.Pool, log, released };
}

const STATEMENT = compileStatement('UPDATE t SET x = 1', '"s"');

describe('Database transactions', () => {
  const database = (pool: pg.Pool): Database =>
    new Database({ pool, clock: undefined, retry: POLICY, retryHooks: { sleep: async () => undefined } });

  test('a deadlock inside the transaction rolls back and reruns the whole transaction', async () => {
    const { pool, log, released } = fakePool((text, connection) =>
      text === STATEMENT.text && connection === 1 ? pgError('40P01') : undefined,
    );
    let runs = 0;
    const value = await database(pool).transaction(async (tx) => {
      runs++;
      await tx.query(STATEMENT);
      return 'ok';
    });
    assert.equal(value, 'ok');
    assert.equal(runs, 2);
    assert.deepEqual(log, [
      '1:BEGIN',
      `1:${STATEMENT.text}`,
      '1:ROLLBACK',
      '2:BEGIN',
      `2:${STATEMENT.text}`,
      '2:COMMIT',
    ]);
    assert.deepEqual(released, [undefined, undefined]);
  });

  test('a connection lost during COMMIT is not retried and the connection is discarded', async () => {
    const { pool, released } = fakePool((text) =>
      text === 'COMMIT' ? new Error('Connection terminated unexpectedly') : undefined,
    );
    let runs = 0;
    await assert.rejects(
      database(pool).transaction(async (tx) => {
        runs++;
        await tx.query(STATEMENT);
      }),
      CommitOutcomeUnknownError,
    );
    assert.equal(runs, 1);
    assert.equal(released.length, 1);
    assert.ok(released[0] instanceof Error);
  });

  test('a serialization failure at COMMIT was rolled back by the server, so it is retried', async () => {
    let commits = 0;
    const { pool } = fakePool((text) =>
      text === 'COMMIT' && ++commits === 1 ? pgError('40001') : undefined,
    );
    let runs = 0;
    await database(pool).transaction(async () => {
      runs++;
    });
    assert.equal(runs, 2);
  });

  test('a domain error rolls back, keeps the connection and is not retried', async () => {
    const { pool, log, released } = fakePool(() => undefined);
    await assert.rejects(
      database(pool).transaction(async () => {
        throw new Error('domain');
      }),
      /domain/,
    );
    assert.deepEqual(log, ['1:BEGIN', '1:ROLLBACK']);
    assert.deepEqual(released, [undefined]);
  });
});

describe('Database single-statement writes', () => {
  const database = (pool: pg.Pool): Database =>
    new Database({ pool, clock: undefined, retry: POLICY, retryHooks: { sleep: async () => undefined } });
  /** An error response from the server, as node-postgres reports it. */
  const serverError = (code: string): Error => Object.assign(pgError(code), { severity: 'FATAL' });

  test('a statement the server answered with a transient error is retried on a new connection', async () => {
    const { pool, log, released } = fakePool((_text, connection) =>
      connection === 1 ? serverError('57P01') : undefined,
    );
    await database(pool).write(STATEMENT);
    assert.deepEqual(log, [`1:${STATEMENT.text}`, `2:${STATEMENT.text}`]);
    assert.ok(released[0] instanceof Error);
    assert.equal(released[1], undefined);
  });

  test('a deadlocked statement is retried and keeps its connection', async () => {
    const { pool, log, released } = fakePool((_text, connection) =>
      connection === 1 ? serverError('40P01') : undefined,
    );
    await database(pool).write(STATEMENT);
    assert.equal(log.length, 2);
    assert.deepEqual(released, [undefined, undefined]);
  });

  test('a connection lost without an answer is not retried and the connection is discarded', async () => {
    const { pool, log, released } = fakePool(() => new Error('Connection terminated unexpectedly'));
    await assert.rejects(database(pool).write(STATEMENT), CommitOutcomeUnknownError);
    assert.equal(log.length, 1);
    assert.ok(released[0] instanceof Error);
  });

  test('a failure that is not transient is not retried', async () => {
    const { pool, log, released } = fakePool(() => serverError('23505'));
    await assert.rejects(database(pool).write(STATEMENT), { code: '23505' });
    assert.equal(log.length, 1);
    assert.deepEqual(released, [undefined]);
  });
});
