// `durabletask serve` as a user runs it: the bin shim in a child process, read until it prints
// where it listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { within } from './harness.js';

export const BIN = fileURLToPath(new URL('../../bin/durabletask.mjs', import.meta.url));
const LISTENING = /^durabletask sidecar listening on 127\.0\.0\.1:(\d+) \((.+)\)$/m;

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly address: string;
  /** What the listening line says about the store, e.g. `sqlite: ./hub.db`. */
  readonly store: string;
  readonly stderr: () => string;
  /** The exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

/** Spawns `durabletask serve --port 0 <args>` and resolves once it prints where it listens. */
export async function serveProcess(args: readonly string[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = new Promise<RegExpExecArray>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = LISTENING.exec(stdout);
      if (match) resolve(match);
    });
    void exited.then((code) => reject(new Error(`exited with ${code} before listening: ${stderr}`)));
  });
  try {
    const match = await within(listening, 30_000, `the listening line (stdout: ${stdout})`);
    const port = Number(match[1]);
    return { child, port, address: `127.0.0.1:${port}`, store: match[2]!, stderr: () => stderr, exited };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

/** Runs `durabletask <args>` to its end; resolves with the exit code, stderr and stdout. */
export async function runCli(
  args: readonly string[],
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await within(
    new Promise<number | null>((resolve) => child.on('exit', resolve)),
    30_000,
    `durabletask ${args.join(' ')}`,
  );
  return { code, stderr, stdout };
}

/** Sends `signal` and resolves with the exit code (bounded: a process that does not stop fails). */
export async function stopProcess(
  served: ServeProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<number | null> {
  if (served.child.exitCode !== null || served.child.signalCode !== null) return served.exited;
  served.child.kill(signal);
  try {
    return await within(served.exited, 15_000, `exit after ${signal}`);
  } catch (err) {
    served.child.kill('SIGKILL');
    throw err;
  }
}
