import type { ChildResult } from './result.js';
import { median } from './workloads/stats.js';
import type { Workload } from './workloads/workload.js';

/** The medians of one configuration × workload over its runs. */
export interface Summary {
  readonly config: string;
  readonly workload: string;
  readonly title: string;
  readonly headline: string;
  readonly runs: readonly ChildResult[];
  /** Per metric, the median over runs. */
  readonly medians: Record<string, number>;
}

export function summarize(config: string, workload: Workload, runs: readonly ChildResult[]): Summary {
  const names = new Set(runs.flatMap((r) => Object.keys(r.metrics)));
  const medians: Record<string, number> = {};
  for (const name of names) {
    medians[name] = median(runs.map((r) => r.metrics[name]).filter((v): v is number => v !== undefined));
  }
  medians['loadAverage1m'] = median(runs.map((r) => r.loadAverage1m));
  return {
    config,
    workload: workload.id,
    title: workload.title,
    headline: workload.headline.metric,
    runs,
    medians,
  };
}

const COLUMNS: readonly (readonly [string, string])[] = [
  ['instancesPerSec', 'inst/s'],
  ['activitiesPerSec', 'act/s'],
  ['p50Ms', 'p50 ms'],
  ['p95Ms', 'p95 ms'],
  ['p99Ms', 'p99 ms'],
  ['wallMs', 'wall ms'],
  ['cpuMsPerInstance', 'cpu ms/inst'],
  ['peakRssMiB', 'rss MiB'],
  ['sidecarPeakRssMiB', 'sidecar rss'],
  ['loadAverage1m', 'load'],
];

/** A plain-text table of medians, one row per configuration × workload. */
export function formatTable(summaries: readonly Summary[]): string {
  const header = ['config', 'workload', ...COLUMNS.map(([, title]) => title)];
  const rows = summaries.map((s) => [
    s.config,
    s.workload,
    ...COLUMNS.map(([metric]) => cell(s.medians[metric])),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

function cell(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  if (value >= 100) return value.toFixed(0);
  return value.toFixed(value >= 10 ? 1 : 2);
}
