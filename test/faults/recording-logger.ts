import type { Logger } from '../../src/logging/logger.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One log record: its level, message, the child bindings and fields merged, and when it was written. */
export interface LogRecord {
  readonly level: LogLevel;
  readonly msg: string;
  readonly at: number;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A Logger that keeps every record (children share the list), for tests that assert on logs. */
export class RecordingLogger implements Logger {
  readonly records: LogRecord[];
  readonly #bindings: Record<string, unknown>;

  constructor(records: LogRecord[] = [], bindings: Record<string, unknown> = {}) {
    this.records = records;
    this.#bindings = bindings;
  }

  debug(obj: object, msg?: string): void {
    this.#write('debug', obj, msg);
  }
  info(obj: object, msg?: string): void {
    this.#write('info', obj, msg);
  }
  warn(obj: object, msg?: string): void {
    this.#write('warn', obj, msg);
  }
  error(obj: object, msg?: string): void {
    this.#write('error', obj, msg);
  }

  child(bindings: Record<string, unknown>): Logger {
    return new RecordingLogger(this.records, { ...this.#bindings, ...bindings });
  }

  /** Records at `level` or above whose fields include `instanceId`. */
  about(instanceId: string, level: LogLevel = 'warn'): LogRecord[] {
    const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
    return this.records.filter(
      (record) => rank[record.level] >= rank[level] && record.fields['instanceId'] === instanceId,
    );
  }

  #write(level: LogLevel, obj: object, msg: string | undefined): void {
    this.records.push({ level, msg: msg ?? '', at: Date.now(), fields: { ...this.#bindings, ...obj } });
  }
}
