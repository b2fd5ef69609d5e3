/**
 * A numbered schema migration. `sql` may hold several statements and uses `{schema}` for the
 * quoted schema name. Add new migrations at the end of MIGRATIONS; never edit an applied one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}
