import pg from 'pg';

/**
 * Type parsing for the backend's own connections (the global pg defaults are left alone):
 * bigint columns hold epoch milliseconds and row ids, all far below 2^53, so they come back as
 * numbers instead of strings.
 */
const INT8_OID: number = pg.types.builtins.INT8;

function getTypeParser(oid: number, format?: 'text' | 'binary'): unknown {
  if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
  return format === undefined ? pg.types.getTypeParser(oid) : pg.types.getTypeParser(oid, format);
}

export const BACKEND_PG_TYPES: pg.CustomTypesConfig = { getTypeParser };
