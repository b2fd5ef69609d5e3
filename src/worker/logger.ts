/**
 * The structured logger the workers write to: pino-compatible `(fields, message)` calls. The
 * library-wide logger will satisfy this shape; until one is passed, nothing is logged.
 */
export interface WorkerLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

const ignore = (): void => undefined;

export const NOOP_LOGGER: WorkerLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
