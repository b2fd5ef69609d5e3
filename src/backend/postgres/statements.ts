import { compileStatements } from './sql/compile.js';
import * as activities from './sql/activities.js';
import * as history from './sql/history.js';
import * as inbox from './sql/inbox.js';
import * as instances from './sql/instances.js';
import * as leases from './sql/leases.js';
import * as notify from './sql/notify.js';
import * as singleStatementWrites from './sql/single-statement-writes.js';

/** Every fixed statement of the backend, compiled once for the task hub's schema. */
export function compileBackendStatements(quotedSchema: string) {
  return compileStatements(
    { ...instances, ...leases, ...inbox, ...history, ...activities, ...notify, ...singleStatementWrites },
    quotedSchema,
  );
}

export type Statements = ReturnType<typeof compileBackendStatements>;
