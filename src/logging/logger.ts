import { pino } from 'pino';

/**
 * The structured logger the library writes to. Pino's shape, so a pino logger can be passed
 * as it is; embedders may pass any object with these methods.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  /** A logger whose records carry `bindings` too (`{ component, instanceId, streamId }`). */
  child(bindings: Record<string, unknown>): Logger;
}

/** The four record methods: what a component that only writes records needs. */
export type LogSink = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

const noop = (): void => undefined;

/** Drops everything: the default inside the library, so nothing prints unless asked. */
export const SILENT_LOGGER: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => SILENT_LOGGER,
};

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** A pino logger writing JSON lines to stderr (stdout stays free for program output). */
export function createLogger(level: LogLevel = 'info', name = 'durabletask'): Logger {
  return pino({ name, level }, pino.destination(2));
}
