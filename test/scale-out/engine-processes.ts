import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Progress } from './traced-backend.js';

/**
 * Starts engine processes (engine-process.ts) for a test and follows their stdout reports.
 * The test owns them: `killAll()` in its `after` hook ends whatever is still running.
 */

const ENGINE_PROCESS = fileURLToPath(new URL('./engine-process.ts', import.meta.url));
const IDLE: Progress = { turnsInFlight: 0, activitiesInFlight: 0, turnsCommitted: 0, activitiesCompleted: 0 };
/** Kept of a child's stderr for the failure message. */
const STDERR_TAIL_CHARS = 4000;

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class EngineProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The last progress the process reported. */
  progress: Progress = IDLE;
  readonly ready: Promise<void>;
  readonly exited: Promise<Exit>;
  #exit: Exit | undefined;
  #stderr = '';
  readonly #listeners = new Set<() => void>();

  constructor(name: string, schema: string, connectionString: string) {
    this.name = name;
    this.child = spawn(
      process.execPath,
      ['--import', 'tsx', ENGINE_PROCESS, name, schema, connectionString],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL_CHARS);
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
        this.#notify();
      });
    });
    this.ready = new Promise((resolve, reject) => {
      const lines = createInterface({ input: this.child.stdout! });
      lines.on('line', (line) => {
        const report = JSON.parse(line) as { type: string } & Progress;
        if (report.type === 'ready') resolve();
        if (report.type === 'progress') this.progress = report;
        this.#notify();
      });
      void this.exited.then((exit) =>
        reject(
          new Error(`engine ${name} exited before it was ready (${describeExit(exit)}): ${this.#stderr}`),
        ),
      );
    });
  }

  get alive(): boolean {
    return this.#exit === undefined;
  }

  get stderrTail(): string {
    return this.#stderr;
  }

  /** Calls `listener` after every report and at exit; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }

  /** Asks for a clean stop; SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 10_000): Promise<Exit> {
    if (!this.alive) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

export function describeExit(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

/** SIGKILLs every process still running and waits for each to exit. */
export async function killAll(processes: readonly EngineProcess[]): Promise<void> {
  for (const engine of processes) if (engine.alive) engine.child.kill('SIGKILL');
  await Promise.all(processes.map((engine) => engine.exited));
}

/**
 * Resolves once `condition` holds after some report of one of `processes` (checked at once too);
 * rejects after `timeoutMs` or when one of them exits first. `onMet` runs synchronously in the
 * report's handler, so it can act (e.g. kill) before the process moves on.
 */
export function whenReported<T>(
  processes: readonly EngineProcess[],
  condition: () => boolean,
  onMet: () => T,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const unsubscribes: (() => void)[] = [];
    const finish = (settle: () => void): void => {
      clearTimeout(timer);
      for (const unsubscribe of unsubscribes) unsubscribe();
      settle();
    };
    const check = (): void => {
      const dead = processes.find((engine) => !engine.alive);
      if (dead) {
        finish(() =>
          reject(new Error(`engine ${dead.name} exited while waiting for ${what}: ${dead.stderrTail}`)),
        );
      } else if (condition()) {
        const value = onMet();
        finish(() => resolve(value));
      }
    };
    const timer = setTimeout(() => {
      const states = processes.map((engine) => `${engine.name} ${JSON.stringify(engine.progress)}`);
      finish(() => reject(new Error(`timed out waiting for ${what}; last reports: ${states.join('; ')}`)));
    }, timeoutMs);
    for (const engine of processes) unsubscribes.push(engine.onChange(check));
    check();
  });
}
