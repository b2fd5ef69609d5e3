import type { Migration } from './migration.js';

/**
 * The first schema. Times are epoch milliseconds (bigint) computed by the database clock; ids use
 * the "C" collation so ordering and prefix ranges are byte-wise whatever the database locale.
 * History, inbox and tasks belong to their instance: deleting the instance deletes them.
 */
export const MIGRATION_0001_INIT: Migration = {
  version: 1,
  name: 'init',
  sql: `
  CREATE TABLE {schema}.instances (
    id text COLLATE "C" PRIMARY KEY,
    name text NOT NULL,
    version text,
    execution_id text NOT NULL,
    status integer NOT NULL,
    created_at bigint NOT NULL,
    last_updated_at bigint NOT NULL,
    started_at bigint,
    completed_at bigint,
    scheduled_start_at bigint,
    input text,
    output text,
    custom_status text,
    failure_details bytea,
    parent_instance_id text COLLATE "C",
    tags jsonb NOT NULL DEFAULT '{}',
    lock_token text,
    locked_until bigint
  );
  CREATE INDEX ix_instances_parent ON {schema}.instances (parent_instance_id)
    WHERE parent_instance_id IS NOT NULL;
  CREATE INDEX ix_instances_created ON {schema}.instances (created_at, id);

  CREATE TABLE {schema}.history (
    instance_id text COLLATE "C" NOT NULL REFERENCES {schema}.instances (id) ON DELETE CASCADE,
    seq integer NOT NULL,
    event bytea NOT NULL,
    PRIMARY KEY (instance_id, seq)
  );

  CREATE TABLE {schema}.inbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance_id text COLLATE "C" NOT NULL REFERENCES {schema}.instances (id) ON DELETE CASCADE,
    event bytea NOT NULL,
    visible_at bigint NOT NULL,
    lease_count integer NOT NULL DEFAULT 0
  );
  CREATE INDEX ix_inbox_visible ON {schema}.inbox (visible_at, id);
  CREATE INDEX ix_inbox_instance ON {schema}.inbox (instance_id, id);

  CREATE TABLE {schema}.tasks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance_id text COLLATE "C" NOT NULL REFERENCES {schema}.instances (id) ON DELETE CASCADE,
    execution_id text NOT NULL,
    task_id integer NOT NULL,
    event bytea NOT NULL,
    visible_at bigint NOT NULL,
    lock_token text,
    locked_until bigint,
    lease_count integer NOT NULL DEFAULT 0
  );
  CREATE INDEX ix_tasks_visible ON {schema}.tasks (visible_at, id);
  CREATE INDEX ix_tasks_instance ON {schema}.tasks (instance_id);
  `,
};
