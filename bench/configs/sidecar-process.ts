/**
 * The sidecar in its own process, as deployed: `durabletask serve` beside an application that
 * uses a Durable Task SDK. Spawned by sidecar-target.ts; not a CLI for users.
 *
 * Argument: one JSON object { store: StoreSpec, tuning: Tuning }. Prints `SIDECAR_READY <port>`
 * once listening. Commands on stdin, one per line: `usage` answers `SIDECAR_USAGE <json>` (CPU
 * microseconds and peak RSS of this process); `stop` stops the sidecar, answers the usage and
 * exits. A closed stdin (the parent died) stops it too.
 */
import { createInterface } from 'node:readline';
import { Sidecar } from '../../src/sidecar/sidecar.js';
import type { Tuning } from './config.js';
import { READY_MARKER, USAGE_MARKER, type ProcessUsage } from './sidecar-protocol.js';
import { createBackend, type StoreSpec } from './stores.js';

function usage(): ProcessUsage {
  const cpu = process.cpuUsage();
  return { cpuMicros: cpu.user + cpu.system, maxRssKiB: process.resourceUsage().maxRSS };
}

async function main(): Promise<void> {
  const { store, tuning } = JSON.parse(process.argv[2] ?? '{}') as { store: StoreSpec; tuning: Tuning };
  const sidecar = new Sidecar({ backend: createBackend(store), worker: tuning });
  const { port } = await sidecar.start({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`${READY_MARKER}${port}\n`);

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await sidecar.stop();
    process.stdout.write(`${USAGE_MARKER}${JSON.stringify(usage())}\n`);
    process.exit(0);
  };
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line === 'usage') process.stdout.write(`${USAGE_MARKER}${JSON.stringify(usage())}\n`);
    else if (line === 'stop') void stop();
  });
  lines.on('close', () => void stop());
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
