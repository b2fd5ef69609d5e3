import type { ScheduleInfo } from '../schedules/index.js';

/** `in 5m`, `3h ago`: a time relative to `now`, for terminals. */
export function relativeTime(at: number | undefined, now: number): string {
  if (at === undefined) return '-';
  const delta = at - now;
  const abs = Math.abs(delta);
  const text =
    abs < 1_000
      ? `${abs}ms`
      : abs < 60_000
        ? `${Math.round(abs / 1_000)}s`
        : abs < 3_600_000
          ? `${Math.round(abs / 60_000)}m`
          : abs < 86_400_000
            ? `${Math.round(abs / 3_600_000)}h`
            : `${Math.round(abs / 86_400_000)}d`;
  return delta >= 0 ? `in ${text}` : `${text} ago`;
}

function whenOf(info: ScheduleInfo): string {
  if (info.spec.cron !== undefined)
    return `cron '${info.spec.cron}'${info.spec.timeZone ? ` ${info.spec.timeZone}` : ''}`;
  return `every ${info.spec.intervalMs ?? '?'}ms`;
}

/** A table of schedules with aligned columns. */
export function formatScheduleTable(schedules: readonly ScheduleInfo[], now: number): string {
  if (schedules.length === 0) return 'no schedules';
  const rows = [
    ['ID', 'STATE', 'WHEN', 'ORCHESTRATION', 'NEXT RUN', 'LAST RUN', 'STARTED/SKIPPED/MISSED'],
    ...schedules.map((s) => [
      s.id,
      s.state,
      whenOf(s),
      s.spec.orchestration,
      relativeTime(s.nextRunAt, now),
      relativeTime(s.lastRunAt, now),
      `${s.counts.started}/${s.counts.skipped}/${s.counts.missed}`,
    ]),
  ];
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** One schedule, a field per line. */
export function formatSchedule(info: ScheduleInfo, now: number): string {
  const at = (t: number | undefined): string =>
    t === undefined ? '-' : `${new Date(t).toISOString()} (${relativeTime(t, now)})`;
  return [
    `id:             ${info.id}`,
    `state:          ${info.state}`,
    `when:           ${whenOf(info)}`,
    `orchestration:  ${info.spec.orchestration}${info.spec.version ? ` (version ${info.spec.version})` : ''}`,
    `input:          ${info.spec.input === undefined ? '-' : JSON.stringify(info.spec.input)}`,
    `overlap:        ${info.spec.overlap ?? 'skip'}`,
    `next run:       ${at(info.nextRunAt)}`,
    `last run:       ${info.lastRunId ?? '-'}${info.lastRunAt !== undefined ? ` at ${at(info.lastRunAt)}` : ''}`,
    `runs:           ${info.counts.started} started, ${info.counts.skipped} skipped, ${info.counts.missed} missed`,
  ].join('\n');
}
