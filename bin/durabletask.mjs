#!/usr/bin/env node
// The `durabletask` command. It runs the TypeScript sources through tsx, so it works from a fresh
// clone after `npm install`, with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
