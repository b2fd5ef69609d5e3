import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { RecoveryConfig } from './recovery-process.js';

const RECOVERY_PROCESS = fileURLToPath(new URL('./recovery-process.ts', import.meta.url));

export interface RecoveryReport {
  readonly type: 'ready' | 'activity' | 'completed';
  readonly at: number;
  readonly instanceId?: string;
  readonly output?: string;
}

/** A recovery-process.ts child and the reports it printed. The test SIGKILLs or stops it. */
export class RecoveryProcess {
  readonly child: ChildProcess;
  readonly reports: RecoveryReport[] = [];
  readonly exited: Promise<void>;
  #stderr = '';
  readonly #waiters = new Set<() => void>();

  constructor(config: RecoveryConfig) {
    this.child = spawn(process.execPath, ['--import', 'tsx', RECOVERY_PROCESS, JSON.stringify(config)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-4000);
    });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    void this.exited.then(() => this.#notify());
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      this.reports.push(JSON.parse(line) as RecoveryReport);
      this.#notify();
    });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  of(type: RecoveryReport['type']): RecoveryReport[] {
    return this.reports.filter((r) => r.type === type);
  }

  /** Resolves once `condition` holds; rejects after `timeoutMs` or if the process exits first. */
  async until(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
    if (condition()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; stderr: ${this.#stderr}`));
      }, timeoutMs);
      const check = (): void => {
        if (condition()) {
          clearTimeout(timer);
          this.#waiters.delete(check);
          resolve();
        } else if (!this.alive) {
          clearTimeout(timer);
          this.#waiters.delete(check);
          reject(new Error(`the process exited before ${what}; stderr: ${this.#stderr}`));
        }
      };
      this.#waiters.add(check);
    });
  }

  async kill(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** A clean stop (SIGTERM), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
