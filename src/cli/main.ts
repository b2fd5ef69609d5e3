import { readFileSync } from 'node:fs';
import { processIo, type CliIo } from './cli-io.js';
import { runScheduleCommand } from './schedule-command.js';
import { runServe } from './serve.js';
import { parseServeArgs, SERVE_HELP } from './serve-options.js';
import { UsageError } from './usage-error.js';

const HELP = `Usage: durabletask <command> [options]

Commands:
  serve        Run the Durable Task sidecar (gRPC, default 127.0.0.1:4001) on SQLite or PostgreSQL
  schedule     Create, list and change durable schedules (durabletask schedule --help)

Options:
  -h, --help   Show help (durabletask serve --help for the serve options)
  --version    Show the version`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? 'unknown';
}

/** The `durabletask` command. Returns the process exit code (2 for a usage error). */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '-h':
      case '--help':
        io.stdout(HELP);
        return 0;
      case '--version':
        io.stdout(version());
        return 0;
      case 'serve': {
        const parsed = parseServeArgs(rest);
        if (parsed.kind === 'help') {
          io.stdout(SERVE_HELP);
          return 0;
        }
        return await runServe(parsed.options, io);
      }
      case 'schedule':
        return await runScheduleCommand(rest, io);
      default:
        throw new UsageError(`unknown command '${command}'.`);
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`durabletask: ${err.message}`);
    const scoped = command === 'serve' || command === 'schedule' ? `${command} ` : '';
    io.stderr(`Run 'durabletask ${scoped}--help' for usage.`);
    return 2;
  }
}
