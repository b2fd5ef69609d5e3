import { randomUUID } from 'node:crypto';

/**
 * A new execution id: 32 lower-case hex characters without dashes, as the Durable Task Scheduler
 * makes them (.NET `Guid.ToString("N")`). `@microsoft/durabletask-js` derives default child
 * instance ids from it (`<executionId>:<hex4>`) and its own tests check that form.
 */
export function newExecutionId(): string {
  return randomUUID().replaceAll('-', '');
}
