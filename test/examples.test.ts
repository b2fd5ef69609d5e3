import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs an example as its own process; it must exit 0 on its own (nothing left open). */
async function runExample(file: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', `examples/${file}`], {
    cwd: root,
    timeout: 60_000,
  });
  return stdout;
}

describe('examples', { concurrency: true }, () => {
  test('sequence.ts chains three activities and prints their results', async () => {
    const out = await runExample('sequence.ts');
    assert.match(out, /: COMPLETED\n/);
    assert.match(out, /Result: \["Hello, Tokyo!","Hello, Seattle!","Hello, London!"\]\n/);
  });

  test('fan-out-fan-in.ts runs ten activities in parallel and aggregates them', async () => {
    const out = await runExample('fan-out-fan-in.ts');
    assert.match(out, /: COMPLETED in \d+ ms\n/);
    assert.match(out, /Result: \{"documents":10,"bytes":12100\}\n/);
  });

  test('human-interaction.ts approves one request and escalates the one that timed out', async () => {
    const out = await runExample('human-interaction.ts');
    assert.equal(
      out,
      'COMPLETED: "order-1 approved by Ada"\n' +
        'COMPLETED: "order-2 escalated to a manager after 1 s without approval"\n',
    );
  });
});
