import type { Logger } from '../logging/logger.js';

/**
 * A logger that drops records while the orchestration replays, so each message is written once:
 * when the code first runs past it, not on every later replay.
 */
export function replaySafeLogger(base: Logger, isReplaying: () => boolean): Logger {
  const guarded =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (obj: object, msg?: string): void => {
      if (isReplaying()) return;
      if (msg === undefined) base[level](obj);
      else base[level](obj, msg);
    };
  return {
    debug: guarded('debug'),
    info: guarded('info'),
    warn: guarded('warn'),
    error: guarded('error'),
    child: (bindings) => replaySafeLogger(base.child(bindings), isReplaying),
  };
}
