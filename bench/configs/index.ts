import type { BenchConfig } from './config.js';
import { embeddedSqlite } from './embedded-sqlite.js';

/** Every configuration the driver knows, in the order it runs them. */
export const CONFIGS: readonly BenchConfig[] = [embeddedSqlite];

export function findConfig(name: string): BenchConfig {
  const config = CONFIGS.find((c) => c.name === name);
  if (!config)
    throw new Error(`unknown configuration '${name}' (known: ${CONFIGS.map((c) => c.name).join(', ')})`);
  return config;
}

export type { BenchConfig, RunningTarget, Tuning } from './config.js';
