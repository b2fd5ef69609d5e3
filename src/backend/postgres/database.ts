import type { Clock } from '../../loop/clock.js';
import type pg from 'pg';
import type { Statement } from './sql/compile.js';
import {
  CommitOutcomeUnknownError,
  isServerErrorResponse,
  transientReason,
  withRetry,
  type RetryHooks,
  type RetryPolicy,
} from './transient-errors.js';

/** Rows of one statement. */
export interface Rows<R> {
  readonly rows: R[];
  readonly rowCount: number;
}

/** Runs compiled statements; inside a transaction every statement sees the same clock override. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(
    statement: Statement,
    params?: readonly unknown[],
  ): Promise<Rows<R>>;
}

export interface DatabaseDeps {
  readonly pool: pg.Pool;
  /** Injected clock (tests); absent: statements read the database clock. */
  readonly clock: Pick<Clock, 'now'> | undefined;
  readonly retry: RetryPolicy;
  readonly retryHooks: RetryHooks;
}

/**
 * The one place the PostgreSQL backend talks to its pool: single statements and transactions,
 * both retried as a whole on transient failures (transient-errors.ts).
 */
export class Database {
  readonly #deps: DatabaseDeps;

  constructor(deps: DatabaseDeps) {
    this.#deps = deps;
  }

  /** One statement in its own implicit transaction. */
  query<R extends object = Record<string, unknown>>(
    statement: Statement,
    params: readonly unknown[] = [],
  ): Promise<Rows<R>> {
    return withRetry(
      () => run<R>(this.#deps.pool, statement, params, this.#clockOverride()),
      this.#deps.retry,
      this.#deps.retryHooks,
    );
  }

  /**
   * One writing statement in its own implicit transaction (atomic on its own, no BEGIN/COMMIT).
   * Retried only while it surely did not apply: connecting failed, or the server answered it with
   * a transient error (deadlock, serialization failure, terminated connection). A connection lost
   * without an answer leaves its outcome unknown: CommitOutcomeUnknownError, not retried, as for
   * a COMMIT in flight.
   */
  write<R extends object = Record<string, unknown>>(
    statement: Statement,
    params: readonly unknown[] = [],
  ): Promise<Rows<R>> {
    return withRetry(() => this.#writeOnce<R>(statement, params), this.#deps.retry, this.#deps.retryHooks);
  }

  /** Runs `work` in one transaction (READ COMMITTED); `work` runs again on each retry. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return withRetry(() => this.#transactionOnce(work), this.#deps.retry, this.#deps.retryHooks);
  }

  #clockOverride(): number | null {
    return this.#deps.clock ? Math.floor(this.#deps.clock.now()) : null;
  }

  async #writeOnce<R extends object>(statement: Statement, params: readonly unknown[]): Promise<Rows<R>> {
    const client = await this.#deps.pool.connect();
    let broken: Error | undefined;
    // See #transactionOnce: a checked-out client needs its own 'error' listener.
    const onError = (err: Error): void => {
      broken = err;
    };
    client.on('error', onError);
    try {
      return await run<R>(client, statement, params, this.#clockOverride());
    } catch (err) {
      if (transientReason(err) === undefined) throw err;
      // Only a rolled-back statement leaves its connection usable.
      if (!isRollbackSqlState(err)) broken = asError(err);
      if (isServerErrorResponse(err)) throw err;
      throw new CommitOutcomeUnknownError(err);
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async #transactionOnce<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.#deps.pool.connect();
    // A connection that failed is destroyed on release rather than returned to the pool.
    let broken: Error | undefined;
    // While checked out the pool does not listen for the client's 'error' event; without a
    // listener a connection killed mid-transaction would crash the process. The failure also
    // rejects the statement in flight, which is what the retry sees.
    const onError = (err: Error): void => {
      broken = err;
    };
    client.on('error', onError);
    const override = this.#clockOverride();
    const tx: Queryable = { query: (statement, params = []) => run(client, statement, params, override) };
    try {
      await client.query('BEGIN');
      let value: T;
      try {
        value = await work(tx);
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackErr) {
          broken = asError(rollbackErr);
        }
        throw err;
      }
      try {
        await client.query('COMMIT');
      } catch (err) {
        const reason = transientReason(err);
        const rolledBack = isRollbackSqlState(err);
        if (reason !== undefined && !rolledBack) {
          broken = asError(err);
          throw new CommitOutcomeUnknownError(err);
        }
        throw err;
      }
      return value;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
}

async function run<R extends object>(
  target: pg.Pool | pg.PoolClient,
  statement: Statement,
  params: readonly unknown[],
  clockOverride: number | null,
): Promise<Rows<R>> {
  const values = statement.usesNow ? [clockOverride, ...params] : [...params];
  const result = await target.query<R>(
    statement.name === undefined
      ? { text: statement.text, values }
      : { name: statement.name, text: statement.text, values },
  );
  return { rows: result.rows, rowCount: result.rowCount ?? 0 };
}

/** Class 40 (transaction rollback): the server rolled the transaction back, so a retry is safe. */
function isRollbackSqlState(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('40');
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
