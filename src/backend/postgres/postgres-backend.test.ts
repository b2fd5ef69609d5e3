import { after } from 'node:test';
import { backendConformanceSuite } from '../testing/conformance.js';
import { FakeClock } from '../../loop/testing/fake-clock.js';
import { PostgresBackend } from './postgres-backend.js';
import {
  adminClient,
  dropSchema,
  requirePostgres,
  TEST_DATABASE_URL,
  testSchemaName,
  truncateSchema,
} from './testing/test-database.js';

// One throwaway schema for this run; every test starts from empty tables.
if (await requirePostgres()) {
  const schema = testSchemaName();
  const admin = await adminClient();
  after(async () => {
    await admin.end();
    await dropSchema(schema);
  });

  const freshBackend = async (clock?: FakeClock): Promise<PostgresBackend> => {
    const backend = new PostgresBackend({
      connectionString: TEST_DATABASE_URL,
      schema,
      poolSize: 4,
      ...(clock && { clock }),
    });
    await backend.start();
    await truncateSchema(admin, schema);
    return backend;
  };

  backendConformanceSuite('postgres (fake clock)', async () => {
    const clock = new FakeClock();
    const backend = await freshBackend(clock);
    return { backend, clock, cleanup: () => backend.stop() };
  });

  // The database clock: leases, delays and timers expire by PostgreSQL's now().
  backendConformanceSuite('postgres (database clock)', async () => {
    const backend = await freshBackend();
    return { backend, cleanup: () => backend.stop() };
  });
}
