import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteBackend } from '../../src/backend/sqlite/index.js';
import type { Backend } from '../../src/backend/backend.js';
import { Sidecar, type SidecarOptions } from '../../src/sidecar/sidecar.js';

/** A sidecar on 127.0.0.1:<free port> over a SQLite file in a fresh temp folder. */
export interface TestSidecar {
  readonly sidecar: Sidecar;
  readonly address: string;
  readonly dbPath: string;
  /** Stops the sidecar and deletes the temp folder. */
  close(): Promise<void>;
}

export interface TestSidecarOptions extends Omit<SidecarOptions, 'backend'> {
  /** Wraps the SQLite backend (to count subscriptions, for example). */
  readonly wrapBackend?: (backend: Backend) => Backend;
}

export async function startTestSidecar(options: TestSidecarOptions = {}): Promise<TestSidecar> {
  const dir = mkdtempSync(join(tmpdir(), 'durabletask-sidecar-'));
  const dbPath = join(dir, 'test.db');
  const sqlite = new SqliteBackend({ path: dbPath, synchronous: 'NORMAL' });
  const { wrapBackend, ...rest } = options;
  const sidecar = new Sidecar({
    shutdownGraceMs: 2_000,
    ...rest,
    // Short polls: a second process is never involved, but keep wake-ups prompt in any case.
    worker: { pollIntervalMs: 200, ...rest.worker },
    backend: wrapBackend ? wrapBackend(sqlite) : sqlite,
  });
  const { port } = await sidecar.start({ host: '127.0.0.1', port: 0 });
  return {
    sidecar,
    address: `127.0.0.1:${port}`,
    dbPath,
    close: async () => {
      try {
        await sidecar.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Polls `condition` until it holds; fails after `timeoutMs` (generous: the machines are shared). */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Rejects when `promise` has not settled within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
