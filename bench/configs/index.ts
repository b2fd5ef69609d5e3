import type { BenchConfig } from './config.js';
import { embeddedSqlite, embeddedSqliteNormal } from './embedded-sqlite.js';
import { embeddedPostgres, sidecarPostgres } from './postgres-configs.js';
import { sidecarSqlite } from './sidecar-sqlite.js';

/** Every configuration the driver knows, in the order it runs them. */
export const CONFIGS: readonly BenchConfig[] = [
  embeddedSqlite,
  embeddedPostgres,
  sidecarSqlite,
  sidecarPostgres,
];

/** Configurations that trade durability for speed: run only when named with --config. */
export const EXTRA_CONFIGS: readonly BenchConfig[] = [embeddedSqliteNormal];

export function findConfig(name: string): BenchConfig {
  const config = [...CONFIGS, ...EXTRA_CONFIGS].find((c) => c.name === name);
  if (!config)
    throw new Error(
      `unknown configuration '${name}' (known: ${[...CONFIGS, ...EXTRA_CONFIGS].map((c) => c.name).join(', ')})`,
    );
  return config;
}

export type { BenchConfig, RunningTarget, Tuning } from './config.js';
