import { parseArgs } from 'node:util';
import type { LogLevel } from '../logging/logger.js';
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_SIDECAR_PORT } from '../sidecar/sidecar.js';
import { WORKER_DEFAULTS } from '../worker/task-hub-worker.js';
import { integerFlag } from './integer-flag.js';
import {
  DEFAULT_POOL_SIZE,
  DEFAULT_SCHEMA,
  parseStoreLocation,
  type StoreLocation,
} from './store-location.js';
import { UsageError } from './usage-error.js';

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly store: StoreLocation;
  readonly maxMessageBytes: number;
  readonly logLevel: LogLevel;
  /** Lease length of a work item (`--lease-ms`); absent: the worker's default. */
  readonly leaseMs?: number;
  /** Lease renewal interval (`--lease-renew-ms`); absent: a third of the lease. */
  readonly leaseRenewMs?: number;
}

export type ServeCommand =
  { readonly kind: 'help' } | { readonly kind: 'serve'; readonly options: ServeOptions };

export const DEFAULT_DB = './durabletask.db';
const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
const DEFAULT_LEASE_MS = WORKER_DEFAULTS.lockDurationMs;
/** A day: longer leases only delay the takeover of a dead process's work. */
const MAX_LEASE_MS = 86_400_000;
/** gRPC message lengths are signed 32-bit. */
const MAX_MESSAGE_LIMIT = 2 ** 31 - 1;

export const SERVE_HELP = `Usage: durabletask serve [options]

Runs the Durable Task sidecar: a gRPC TaskHubSidecarService that the Durable Task SDKs
(@microsoft/durabletask-js, .NET, Java, Python, Go) connect to, on a SQLite or PostgreSQL
task hub. Several sidecars on one PostgreSQL schema share its work.

Options:
  --host <address>            Address to listen on (default 127.0.0.1; 0.0.0.0 for all)
  --port <number>             Port to listen on; 0 picks a free one (default ${DEFAULT_SIDECAR_PORT})
  --db <path|url>             SQLite file, sqlite:<path>, :memory:, or a PostgreSQL URL
                              postgres://user[:password]@host[:port]/database (also
                              postgresql://) (default ${DEFAULT_DB})
  --schema <name>             PostgreSQL only: the schema holding the task hub's tables, created
                              when missing; sidecars on the same schema share the work
                              (default ${DEFAULT_SCHEMA})
  --pool-size <n>             PostgreSQL only: most pooled connections (default ${DEFAULT_POOL_SIZE})
  --max-message-size <bytes>  Largest gRPC message either way (default ${DEFAULT_MAX_MESSAGE_BYTES}, 64 MiB)
  --lease-ms <ms>             How long a work item's lease lasts; the work of a killed sidecar
                              on a shared PostgreSQL store resumes elsewhere within it
                              (default 10000)
  --lease-renew-ms <ms>       How often held leases are renewed, less than --lease-ms
                              (default a third of it)
  --log-level <level>         ${LOG_LEVELS.join(' | ')} (default info); logs go to stderr
  -h, --help                  Show this help

SIGINT or SIGTERM drains: in-flight work goes back to the store, then the process exits 0.`;

/** Parses the arguments after `serve`. Throws UsageError for anything it cannot accept. */
export function parseServeArgs(args: readonly string[]): ServeCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: String(DEFAULT_SIDECAR_PORT) },
        db: { type: 'string', default: DEFAULT_DB },
        schema: { type: 'string' },
        'pool-size': { type: 'string' },
        'max-message-size': { type: 'string', default: String(DEFAULT_MAX_MESSAGE_BYTES) },
        'log-level': { type: 'string', default: 'info' },
        'lease-ms': { type: 'string' },
        'lease-renew-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return { kind: 'help' };
  const logLevel = values['log-level'] as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}; got '${logLevel}'.`);
  }
  if (values.host.trim() === '') throw new UsageError('--host must not be empty.');
  const leaseMs = optionalInteger(values['lease-ms'], '--lease-ms', 100, MAX_LEASE_MS);
  const leaseRenewMs = optionalInteger(values['lease-renew-ms'], '--lease-renew-ms', 10, MAX_LEASE_MS);
  if (leaseRenewMs !== undefined && leaseRenewMs >= (leaseMs ?? DEFAULT_LEASE_MS)) {
    throw new UsageError(
      `--lease-renew-ms (${leaseRenewMs}) must be less than the lease (${leaseMs ?? DEFAULT_LEASE_MS} ms).`,
    );
  }
  return {
    kind: 'serve',
    options: {
      host: values.host,
      port: integerFlag(values.port, '--port', 0, 65_535),
      store: parseStoreLocation(values.db, { schema: values.schema, poolSize: values['pool-size'] }),
      maxMessageBytes: integerFlag(values['max-message-size'], '--max-message-size', 1024, MAX_MESSAGE_LIMIT),
      logLevel,
      ...(leaseMs !== undefined && { leaseMs }),
      ...(leaseRenewMs !== undefined && { leaseRenewMs }),
    },
  };
}

function optionalInteger(
  value: string | undefined,
  flag: string,
  min: number,
  max: number,
): number | undefined {
  return value === undefined ? undefined : integerFlag(value, flag, min, max);
}
