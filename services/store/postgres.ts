// PostgreSQL behind the store (config `store.databaseUrl`): a `pg` Pool under Kysely's PostgresDialect,
// with type parsers that make rows look as they do on SQLite, so no area sees which engine answered.
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from './schema.js';

// PostgreSQL type oids whose text form pg would hand over as a string.
const INT8 = 20;
const NUMERIC = 1700;

/**
 * Epoch-ms columns are `bigint` (int8) on PostgreSQL and `count(*)` answers int8: pg hands both over as
 * strings (an int8 may exceed 2^53), SQLite as numbers. Every int8 the platform stores is an epoch ms, a
 * counter or a collection `int` (checked safe by services/collections/columns.ts), so a number is exact.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8 || oid === NUMERIC) return (value: string) => Number(value);
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** Opens a pool on `databaseUrl` (credentials and `?sslmode=` in the URL, see docs/security/postgres.md). */
export function openPostgres(databaseUrl: string): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, types });
  // An idle connection the server drops (restart, failover) must not crash the process: the pool
  // replaces it on the next query, which then fails or succeeds on its own.
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
