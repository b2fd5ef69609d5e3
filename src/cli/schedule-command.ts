import { parseArgs } from 'node:util';
import { isDurableTaskError } from '../api/errors.js';
import { TaskHubClient } from '../client/task-hub-client.js';
import { SILENT_LOGGER } from '../logging/logger.js';
import {
  OVERLAP_POLICIES,
  ScheduleClient,
  type OverlapPolicy,
  type ScheduleSpec,
} from '../schedules/index.js';
import type { CliIo } from './cli-io.js';
import { durationFlag, timeFlag } from './duration-flag.js';
import { ExitCode } from './exit-codes.js';
import { openBackend } from './open-store.js';
import { formatSchedule, formatScheduleTable } from './schedule-output.js';
import { DEFAULT_DB } from './serve-options.js';
import { describeStore, parseStoreLocation } from './store-location.js';
import { UsageError } from './usage-error.js';

export const SCHEDULE_HELP = `Usage: durabletask schedule <verb> [scheduleId] [options]

Durable schedules: each starts an orchestration on a cron expression or an interval. Every
engine and sidecar on the store runs them; each tick starts one run, with the instance id
<scheduleId>@<tick time>.

Verbs:
  create <id>    --orchestration <name> and --cron <expr> or --every <duration>
  update <id>    Change any of the options below (ticks then count from now)
  list           Every schedule
  get <id>       One schedule: its spec, state, next and last run, counts
  pause <id>     No ticks until resumed
  resume <id>    Ticks again, from now
  trigger <id>   Start a run now (also while paused)
  delete <id>    Remove the schedule (its runs stay)

Options:
  --db <path|url>             SQLite file or PostgreSQL URL (default ${DEFAULT_DB})
  --schema <name>             PostgreSQL only: the task hub's schema
  --orchestration <name>      The orchestration each tick starts
  --input <json>              Its input (JSON; default none)
  --version <version>         Its version
  --cron <expression>         Five fields (minute first) or six (second first)
  --time-zone <iana>          Time zone of the cron expression (default UTC)
  --every <duration>          An interval instead: 30s, 5m, 2h, 1d
  --start <time>, --end <time>  ISO 8601 times bounding the ticks
  --overlap <policy>          ${OVERLAP_POLICIES.join(' | ')} (default skip): a tick while the last run runs
  --catchup-window <duration> After downtime, ticks at most this old still run (default 1m, at least 10s)
  --output <format>           text | json (default text)
  -h, --help                  Show this help

Exit codes: 0 done, 1 failed, 2 usage error, 3 schedule not found, 4 store unreachable.`;

/** How long `delete` waits for an engine on the store to stop the schedule. */
const DELETE_WAIT_MS = 30_000;
/** The store is shared with another process, whose writes this one learns of only by polling. */
const POLL_INTERVAL_MS = 200;
const VERBS = ['create', 'update', 'list', 'get', 'pause', 'resume', 'trigger', 'delete'] as const;
type Verb = (typeof VERBS)[number];
const SPEC_FLAGS = [
  'orchestration',
  'input',
  'version',
  'cron',
  'time-zone',
  'every',
  'start',
  'end',
  'overlap',
  'catchup-window',
] as const;

function parse(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: true,
      options: {
        db: { type: 'string', default: DEFAULT_DB },
        schema: { type: 'string' },
        'pool-size': { type: 'string' },
        orchestration: { type: 'string' },
        input: { type: 'string' },
        version: { type: 'string' },
        cron: { type: 'string' },
        'time-zone': { type: 'string' },
        every: { type: 'string' },
        start: { type: 'string' },
        end: { type: 'string' },
        overlap: { type: 'string' },
        'catchup-window': { type: 'string' },
        output: { type: 'string', default: 'text' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

type Values = ReturnType<typeof parse>['values'];

/** The spec fields the flags give; `base` fills the rest (update). */
function specOf(values: Values, base?: ScheduleSpec): ScheduleSpec {
  const timing =
    values.cron !== undefined
      ? { cron: values.cron }
      : values.every !== undefined
        ? { intervalMs: durationFlag(values.every, '--every') }
        : base?.cron !== undefined
          ? { cron: base.cron }
          : base?.intervalMs !== undefined
            ? { intervalMs: base.intervalMs }
            : {};
  if (values.cron !== undefined && values.every !== undefined)
    throw new UsageError('give --cron or --every, not both.');
  const orchestration = values.orchestration ?? base?.orchestration;
  if (orchestration === undefined) throw new UsageError('--orchestration is required.');
  let input = base?.input;
  if (values.input !== undefined) {
    try {
      input = JSON.parse(values.input) as unknown;
    } catch {
      throw new UsageError(`--input must be JSON (for a string, quote it: '"text"'); got '${values.input}'.`);
    }
  }
  const overlap = values.overlap ?? base?.overlap;
  if (overlap !== undefined && !OVERLAP_POLICIES.includes(overlap as OverlapPolicy)) {
    throw new UsageError(`--overlap must be one of ${OVERLAP_POLICIES.join(', ')}; got '${overlap}'.`);
  }
  const timeZone = values['time-zone'] ?? base?.timeZone;
  const startAt = values.start !== undefined ? timeFlag(values.start, '--start') : base?.startAt;
  const endAt = values.end !== undefined ? timeFlag(values.end, '--end') : base?.endAt;
  const window =
    values['catchup-window'] !== undefined
      ? durationFlag(values['catchup-window'], '--catchup-window')
      : base?.catchupWindowMs;
  const version = values.version ?? base?.version;
  return {
    ...timing,
    orchestration,
    ...(input !== undefined && { input }),
    ...(version !== undefined && { version }),
    ...(timeZone !== undefined && { timeZone }),
    ...(startAt !== undefined && { startAt }),
    ...(endAt !== undefined && { endAt }),
    ...(overlap !== undefined && { overlap: overlap as OverlapPolicy }),
    ...(window !== undefined && { catchupWindowMs: window }),
  };
}

/** `durabletask schedule …`: runs one verb against the store and returns the exit code. */
export async function runScheduleCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args);
  if (values.help) {
    io.stdout(SCHEDULE_HELP);
    return ExitCode.OK;
  }
  const [verbText, id, ...extra] = positionals;
  if (verbText === undefined) throw new UsageError('name a verb: ' + VERBS.join(', ') + '.');
  if (!VERBS.includes(verbText as Verb)) throw new UsageError(`unknown schedule verb '${verbText}'.`);
  const verb = verbText as Verb;
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'.`);
  if (verb !== 'list' && id === undefined) throw new UsageError(`'schedule ${verb}' needs a schedule id.`);
  if (verb === 'list' && id !== undefined) throw new UsageError("'schedule list' takes no schedule id.");
  if (verb !== 'create' && verb !== 'update') {
    const given = SPEC_FLAGS.find((flag) => values[flag] !== undefined);
    if (given) throw new UsageError(`--${given} applies only to 'schedule create' and 'schedule update'.`);
  }
  if (values.output !== 'text' && values.output !== 'json') {
    throw new UsageError(`--output must be text or json; got '${values.output}'.`);
  }
  const json = values.output === 'json';
  const store = parseStoreLocation(values.db, { schema: values.schema, poolSize: values['pool-size'] });
  const createSpec = verb === 'create' ? specOf(values) : undefined;

  const backend = openBackend(store, SILENT_LOGGER, 'durabletask-cli');
  try {
    await backend.start();
  } catch (err) {
    io.stderr(`durabletask: cannot open the store (${describeStore(store)}): ${(err as Error).message}`);
    await backend.stop().catch(() => undefined);
    return ExitCode.UNREACHABLE;
  }
  const client = new TaskHubClient({ backend, pollIntervalMs: POLL_INTERVAL_MS });
  const schedules = new ScheduleClient(client);
  try {
    const scheduleId = id ?? '';
    switch (verb) {
      case 'create':
        await schedules.create(scheduleId, createSpec as ScheduleSpec);
        io.stdout(
          json ? JSON.stringify({ id: scheduleId, created: true }) : `created schedule ${scheduleId}`,
        );
        break;
      case 'update': {
        const current = await schedules.get(scheduleId);
        await schedules.update(scheduleId, specOf(values, current?.spec));
        io.stdout(
          json ? JSON.stringify({ id: scheduleId, updated: true }) : `updated schedule ${scheduleId}`,
        );
        break;
      }
      case 'list': {
        const all = await schedules.list();
        io.stdout(json ? JSON.stringify(all) : formatScheduleTable(all, Date.now()));
        break;
      }
      case 'get': {
        const info = await schedules.get(scheduleId);
        if (!info) {
          io.stderr(`durabletask: no schedule with id '${scheduleId}' (see 'durabletask schedule list').`);
          return ExitCode.NOT_FOUND;
        }
        io.stdout(json ? JSON.stringify(info) : formatSchedule(info, Date.now()));
        break;
      }
      case 'delete': {
        const removed = await schedules.delete(scheduleId, { timeoutMs: DELETE_WAIT_MS });
        if (json) io.stdout(JSON.stringify({ id: scheduleId, deleted: removed, pending: !removed }));
        else if (removed) io.stdout(`deleted schedule ${scheduleId}`);
        else
          io.stdout(
            `stop of schedule ${scheduleId} queued: it is removed once a sidecar or engine runs on the store`,
          );
        break;
      }
      case 'pause':
      case 'resume':
      case 'trigger':
        await schedules[verb](scheduleId);
        io.stdout(
          json ? JSON.stringify({ id: scheduleId, [verb]: true }) : `${verb}: schedule ${scheduleId}`,
        );
        break;
    }
    return ExitCode.OK;
  } catch (err) {
    if (isDurableTaskError(err, 'SCHEDULE_NOT_FOUND')) {
      io.stderr(`durabletask: ${err.message} (see 'durabletask schedule list').`);
      return ExitCode.NOT_FOUND;
    }
    if (isDurableTaskError(err, 'INVALID_ARGUMENT') || isDurableTaskError(err, 'DUPLICATE_INSTANCE')) {
      io.stderr(`durabletask: ${err.message}`);
      return isDurableTaskError(err, 'INVALID_ARGUMENT') ? ExitCode.USAGE : ExitCode.FAILURE;
    }
    throw err;
  } finally {
    await client.stop();
    await backend.stop();
  }
}
