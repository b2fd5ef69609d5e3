import { createLogger, type Logger } from '../logging/logger.js';
import { Sidecar } from '../sidecar/sidecar.js';
import type { CliIo } from './cli-io.js';
import { openBackend } from './open-store.js';
import type { ServeOptions } from './serve-options.js';
import { describeStore } from './store-location.js';

/** `host:port`, with brackets around an IPv6 host. */
function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * `durabletask serve`: starts the sidecar, prints where it listens, and on SIGINT/SIGTERM
 * drains it (in-flight work goes back to the store) and returns the exit code: 0 after a clean
 * stop, 1 when it could not start or did not stop cleanly.
 */
export async function runServe(
  options: ServeOptions,
  io: CliIo,
  logger: Logger = createLogger(options.logLevel),
): Promise<number> {
  const sidecar = new Sidecar({
    backend: openBackend(options.store, logger, 'durabletask-sidecar'),
    logger,
    maxMessageBytes: options.maxMessageBytes,
    worker: {
      ...(options.leaseMs !== undefined && { lockDurationMs: options.leaseMs }),
      ...(options.leaseRenewMs !== undefined && { leaseRenewIntervalMs: options.leaseRenewMs }),
    },
  });
  const store = describeStore(options.store);
  let onSignal!: (signal: string) => void;
  const signalled = new Promise<string>((resolve) => (onSignal = resolve));
  const detach = io.onShutdownSignal((signal) => onSignal(signal));
  try {
    let port: number;
    try {
      ({ port } = await sidecar.start({ host: options.host, port: options.port }));
    } catch (err) {
      io.stderr(
        `durabletask: could not start the sidecar on ${formatAddress(options.host, options.port)} ` +
          `(${store}): ${(err as Error).message}`,
      );
      await sidecar.stop().catch(() => undefined);
      return 1;
    }
    io.stdout(`durabletask sidecar listening on ${formatAddress(options.host, port)} (${store})`);
    const signal = await signalled;
    logger.info({ signal }, 'shutdown signal received; draining');
    try {
      await sidecar.stop();
      return 0;
    } catch (err) {
      io.stderr(`durabletask: the sidecar did not stop cleanly: ${(err as Error).message}`);
      return 1;
    }
  } finally {
    detach();
  }
}
