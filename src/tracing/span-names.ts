/**
 * Span names and attributes as the Durable Task SDKs write them (`@microsoft/durabletask-js`,
 * .NET), so that spans from this engine and from any SDK join into one trace and read the same.
 */

/** The tracer name every Durable Task SDK uses. */
export const TRACER_NAME = 'Microsoft.DurableTask';

export const SpanAttributes = {
  TYPE: 'durabletask.type',
  TASK_NAME: 'durabletask.task.name',
  TASK_VERSION: 'durabletask.task.version',
  INSTANCE_ID: 'durabletask.task.instance_id',
  EXECUTION_ID: 'durabletask.task.execution_id',
  STATUS: 'durabletask.task.status',
  TASK_ID: 'durabletask.task.task_id',
  FIRE_AT: 'durabletask.fire_at',
} as const;

export const TaskTypes = {
  ORCHESTRATION: 'orchestration',
  ACTIVITY: 'activity',
  TIMER: 'timer',
  CREATE_ORCHESTRATION: 'create_orchestration',
} as const;

export type TaskType = (typeof TaskTypes)[keyof typeof TaskTypes];

/** `type:name`, or `type:name@(version)` when versioned (the SDKs' format). */
export function spanName(type: TaskType, name: string, version?: string): string {
  return version ? `${type}:${name}@(${version})` : `${type}:${name}`;
}

/** `orchestration:name:timer`, the SDKs' name for a fired durable timer. */
export function timerSpanName(orchestrationName: string): string {
  return `${TaskTypes.ORCHESTRATION}:${orchestrationName}:${TaskTypes.TIMER}`;
}
