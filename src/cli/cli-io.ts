/** What the CLI needs from its process; tests pass their own. */
export interface CliIo {
  /** Program output (the "listening" line). */
  stdout(line: string): void;
  /** Errors and usage hints. */
  stderr(line: string): void;
  /**
   * Calls `handler` on the first SIGINT or SIGTERM; returns a function that detaches it.
   * A second signal while draining exits at once (the process IO does that).
   */
  onShutdownSignal(handler: (signal: string) => void): () => void;
}

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** The real process: stdout/stderr and SIGINT/SIGTERM. */
export function processIo(): CliIo {
  return {
    stdout: (line) => void process.stdout.write(`${line}\n`),
    stderr: (line) => void process.stderr.write(`${line}\n`),
    onShutdownSignal: (handler) => {
      let received: string | undefined;
      const onSignal = (signal: NodeJS.Signals): void => {
        if (received === undefined) {
          received = signal;
          handler(signal);
          return;
        }
        process.stderr.write(`durabletask: ${signal} again while draining; exiting now\n`);
        process.exit(signal === 'SIGINT' ? 130 : 143);
      };
      for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);
      return () => {
        for (const signal of SHUTDOWN_SIGNALS) process.removeListener(signal, onSignal);
      };
    },
  };
}
