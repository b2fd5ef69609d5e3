import pg from 'pg';

/**
 * The side tables of the scale-out tests, in the task hub's own schema: every orchestration turn
 * (lease to commit) and every activity run, per engine process, with wall-clock times. The engine
 * processes write them; the test reads them to check exclusivity and at-least-once behaviour.
 * All processes run on one machine, so their `Date.now()` values are comparable.
 */

export function sideTablesSql(schema: string): string {
  const s = `"${schema}"`;
  return `
  CREATE SCHEMA IF NOT EXISTS ${s};
  CREATE TABLE ${s}.scale_turns (
    id serial PRIMARY KEY,
    process text NOT NULL,
    instance_id text NOT NULL,
    -- when the lease was handed to the worker, in epoch ms
    started_at double precision NOT NULL,
    -- when the worker asked to commit (NULL: it never did)
    ended_at double precision,
    -- 'committed', 'failed' or 'abandoned' (NULL: the process died before knowing)
    outcome text
  );
  CREATE TABLE ${s}.scale_activity_runs (
    id serial PRIMARY KEY,
    process text NOT NULL,
    instance_id text NOT NULL,
    task_id integer NOT NULL,
    ran_at double precision NOT NULL
  );`;
}

export type TurnOutcome = 'committed' | 'failed' | 'abandoned';

/** Writes one process's rows. Every write is awaited before the work it describes goes on. */
export class ExecutionLog {
  readonly #pool: pg.Pool;
  readonly #process: string;
  readonly #turns: string;
  readonly #activityRuns: string;

  constructor(connectionString: string, schema: string, processName: string) {
    this.#pool = new pg.Pool({ connectionString, max: 4, application_name: `scale-out-log:${processName}` });
    this.#pool.on('error', () => undefined);
    this.#process = processName;
    this.#turns = `"${schema}".scale_turns`;
    this.#activityRuns = `"${schema}".scale_activity_runs`;
  }

  async turnStarted(instanceId: string, at: number): Promise<number> {
    const { rows } = await this.#pool.query<{ id: number }>(
      `INSERT INTO ${this.#turns} (process, instance_id, started_at) VALUES ($1, $2, $3) RETURNING id`,
      [this.#process, instanceId, at],
    );
    return rows[0]!.id;
  }

  async turnEnded(turnId: number, at: number): Promise<void> {
    await this.#pool.query(`UPDATE ${this.#turns} SET ended_at = $2 WHERE id = $1`, [turnId, at]);
  }

  async turnOutcome(turnId: number, outcome: TurnOutcome): Promise<void> {
    await this.#pool.query(`UPDATE ${this.#turns} SET outcome = $2 WHERE id = $1`, [turnId, outcome]);
  }

  /** Records the start of one activity run; returns its run id. */
  async activityRun(instanceId: string, taskId: number, at: number): Promise<number> {
    const { rows } = await this.#pool.query<{ id: number }>(
      `INSERT INTO ${this.#activityRuns} (process, instance_id, task_id, ran_at) VALUES ($1, $2, $3, $4) RETURNING id`,
      [this.#process, instanceId, taskId, at],
    );
    return rows[0]!.id;
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}

export interface TurnRow {
  readonly id: number;
  readonly process: string;
  readonly instanceId: string;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly outcome: TurnOutcome | null;
}

export interface ActivityRunRow {
  readonly id: number;
  readonly process: string;
  readonly instanceId: string;
  readonly taskId: number;
  readonly ranAt: number;
}

export async function readTurns(client: pg.Client, schema: string): Promise<TurnRow[]> {
  const { rows } = await client.query<TurnRow>(
    `SELECT id, process, instance_id AS "instanceId", started_at AS "startedAt", ended_at AS "endedAt", outcome
       FROM "${schema}".scale_turns ORDER BY id`,
  );
  return rows;
}

export async function readActivityRuns(client: pg.Client, schema: string): Promise<ActivityRunRow[]> {
  const { rows } = await client.query<ActivityRunRow>(
    `SELECT id, process, instance_id AS "instanceId", task_id AS "taskId", ran_at AS "ranAt"
       FROM "${schema}".scale_activity_runs ORDER BY id`,
  );
  return rows;
}
