// The dialect seam: the few places where SQLite and PostgreSQL differ in what a query means. Areas
// never branch on the engine themselves; they call these helpers with the `db` (or transaction) they
// hold, so a query written once answers the same rows on both engines.
import {
  PostgresAdapter,
  sql,
  type Expression,
  type QueryExecutor,
  type RawBuilder,
  type SqlBool,
} from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

/** Kysely's query builder of any schema: areas pass their own typed `db` or transaction. */
interface AnyKysely {
  getExecutor(): QueryExecutor;
}

/** Which engine answers `db`: read from its adapter, so a transaction or a retyped builder works too. */
export function dialectOf(db: AnyKysely): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * `value REGEXP pattern` on both: SQLite calls the JavaScript `regexp()` the store registers, PostgreSQL
 * uses its `~` (POSIX advanced regular expressions). The column is read as text on PostgreSQL so a number
 * column matches its decimal text as on SQLite.
 */
export function regexpMatch(
  db: AnyKysely,
  column: Expression<unknown>,
  pattern: string,
): RawBuilder<SqlBool> {
  return dialectOf(db) === 'postgres'
    ? sql<SqlBool>`cast(${column} as text) ~ ${pattern}`
    : sql<SqlBool>`${column} regexp ${pattern}`;
}

/**
 * `value LIKE pattern` with SQLite's rule on both: ASCII letters match either case (PostgreSQL: `ILIKE`,
 * which folds every letter, not only ASCII ones). The column is read as text on PostgreSQL.
 */
export function likeMatch(db: AnyKysely, column: Expression<unknown>, pattern: string): RawBuilder<SqlBool> {
  return dialectOf(db) === 'postgres'
    ? sql<SqlBool>`cast(${column} as text) ilike ${pattern}`
    : sql<SqlBool>`${column} like ${pattern}`;
}

/**
 * Whether `err` is the engine refusing a RE pattern. Patterns are checked as JavaScript RegExps first (the
 * SQLite `regexp()` uses them as such), but PostgreSQL's ARE refuses a few of those (named groups,
 * unknown escapes such as `\\p`): SQLSTATE 2201B, a caller's mistake, not a server fault.
 */
export function isBadPattern(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '2201B';
}

/** The SQL type of a column kind on each engine (collections' item tables, migrations). */
export type ColumnKind = 'text' | 'integer' | 'bigint' | 'real' | 'blob';

/**
 * SQLite's affinity names as PostgreSQL types that hold the same values: `integer` holds 64-bit values on
 * SQLite (epoch ms, safe integers) so it is `bigint` there, `real` is 8 bytes (`double precision`), a
 * blob is `bytea`.
 */
export function columnType(
  dialect: Dialect,
  kind: ColumnKind,
): 'text' | 'integer' | 'bigint' | 'real' | 'blob' | 'double precision' | 'bytea' {
  if (dialect === 'sqlite') return kind;
  switch (kind) {
    case 'integer':
    case 'bigint':
      return 'bigint';
    case 'real':
      return 'double precision';
    case 'blob':
      return 'bytea';
    case 'text':
      return 'text';
  }
}

/** True for a unique/primary-key violation on either engine: a duplicate that a racing write created first. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/**
 * Runs `write`, answering a unique/primary-key violation with `conflict()`: a name taken — by a racing
 * write or a check that raced it — is the caller's mistake, never a server fault.
 */
export async function refusingDuplicates<T>(write: () => Promise<T>, conflict: () => Error): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict();
    throw err;
  }
}
