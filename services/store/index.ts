import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Transaction } from 'kysely';
import type { Database } from './schema.js';
import type { Dialect } from './dialect.js';
import { migrationProvider } from './migrations/index.js';
import { openPostgres } from './postgres.js';

export type { Database } from './schema.js';

/**
 * The store: the only place that knows the database. Everything else goes through `db` (a typed Kysely
 * query builder, dialect-neutral so PostgreSQL can sit behind it) and the area repositories built on it.
 */
export interface Store {
  /** Which engine is behind `db`: areas never branch on it, except a storage room with its own SQL. */
  readonly dialect: Dialect;
  readonly db: Kysely<Database>;
  /** Runs `fn` in one transaction: every multi-row change goes through here. */
  transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  /** Closes the database; idempotent. */
  close(): Promise<void>;
}

export interface StoreOptions {
  /** Directory holding `isobar.db`; created when missing. */
  readonly dataDir: string;
  /** postgres://… : PostgreSQL instead of the SQLite file (config `store.databaseUrl`). */
  readonly databaseUrl?: string;
}

/**
 * Opens the database and runs every pending migration: PostgreSQL when `databaseUrl` is set (several
 * nodes starting together migrate once: Kysely's Migrator holds a PostgreSQL advisory lock while it
 * runs), else the SQLite file in WAL mode.
 */
export async function createStore(options: StoreOptions): Promise<Store> {
  const url = options.databaseUrl;
  const postgres = url !== undefined && url !== '';
  const db = postgres ? openPostgres(url) : openSqlite(options.dataDir);
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) {
    await db.destroy();
    throw error instanceof Error ? error : new Error(String(error));
  }
  let closed: Promise<void> | undefined;
  return {
    dialect: postgres ? 'postgres' : 'sqlite',
    db,
    transaction: (fn) => db.transaction().execute(fn),
    close: () => (closed ??= db.destroy()),
  };
}

/** The SQLite file `<dataDir>/isobar.db` in WAL mode with the platform's `regexp()`. */
function openSqlite(dataDir: string): Kysely<Database> {
  mkdirSync(dataDir, { recursive: true });
  const sqlite = new SQLite(join(dataDir, 'isobar.db'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // `x REGEXP p` (Collections' RE operator, ClearBlade's Query.matches): SQLite parses it but ships no
  // implementation. Patterns are capped at 256 characters by services/collections/query.ts.
  sqlite.function('regexp', { deterministic: true }, regexpMatch);
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
}

const regexpCache = new Map<string, RegExp>();

/** SQLite's `regexp(pattern, value)`: JavaScript RegExp semantics; a null value never matches. */
function regexpMatch(pattern: unknown, value: unknown): number {
  if (typeof pattern !== 'string' || value === null || value === undefined) return 0;
  let re = regexpCache.get(pattern);
  if (re === undefined) {
    re = new RegExp(pattern);
    if (regexpCache.size >= 256) regexpCache.clear();
    regexpCache.set(pattern, re);
  }
  return re.test(String(value)) ? 1 : 0;
}
