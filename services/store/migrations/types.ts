// Column types a migration writes once for both engines. SQLite's names stay exactly what the landed
// migrations always created there (a SQLite database made before PostgreSQL support is the same file);
// on PostgreSQL each becomes the type that holds the same values.
import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import { dialectOf } from '../dialect.js';

/** The engine-specific spellings a migration needs. */
export interface MigrationTypes {
  /** SQLite `integer` that holds epoch ms or other 64-bit values: `bigint` on PostgreSQL. */
  readonly int64: 'integer' | 'bigint';
  /** SQLite `real` (8 bytes): `double precision` on PostgreSQL (its `real` is 4 bytes). */
  readonly real: 'real' | 'double precision';
  /** SQLite `blob`: `bytea` on PostgreSQL. */
  readonly blob: 'blob' | 'bytea';
  /** The type of an auto-numbered key: SQLite `integer` (with `serialKey`), PostgreSQL `serial`. */
  readonly serial: 'integer' | 'serial';
  /** The constraints of an auto-numbered key: SQLite `primary key autoincrement`, PostgreSQL `primary key`. */
  readonly serialKey: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
}

/** The column types of `db`'s engine (a migration receives the Kysely it runs on). */
export function migrationTypes(db: Kysely<unknown>): MigrationTypes {
  const pg = dialectOf(db) === 'postgres';
  return {
    int64: pg ? 'bigint' : 'integer',
    real: pg ? 'double precision' : 'real',
    blob: pg ? 'bytea' : 'blob',
    serial: pg ? 'serial' : 'integer',
    serialKey: pg ? (c) => c.primaryKey() : (c) => c.primaryKey().autoIncrement(),
  };
}
