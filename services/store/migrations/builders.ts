// Column, table and migration builders the migrations share. Nearly every column of the schema is NOT NULL,
// many with a default, and most migrations either create tables (dropped in reverse on down) or add
// columns to one table (dropped in reverse on down): written with these, a migration declares its tables
// and columns, one line a column, and its down follows from its up instead of being a second list kept
// in step by hand. The DDL is Kysely's as before: a column spec is the callback `addColumn` takes.
import type { ColumnDefinitionBuilder, CreateTableBuilder, ColumnDataType, Kysely, Migration } from 'kysely';
import { migrationTypes, type MigrationTypes } from './types.js';

/** One column: its type and the constraints Kysely's `addColumn` callback puts on it. */
export interface Column {
  readonly type: ColumnDataType;
  readonly constraints: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
}

/** A NOT NULL column without a default: every insert names it. */
export function notNull(type: ColumnDataType): Column {
  return { type, constraints: (c) => c.notNull() };
}

/** A NOT NULL column that rows written without it (or before it existed) take `value` for. */
export function defaulted(type: ColumnDataType, value: string | number): Column {
  return { type, constraints: (c) => c.notNull().defaultTo(value) };
}

/** The table's primary key, when it is one column. */
export function primaryKey(type: ColumnDataType): Column {
  return { type, constraints: (c) => c.primaryKey() };
}

/** A NOT NULL column referencing `target` (`table.column`): its rows go when the row they point at goes. */
export function ownedBy(type: ColumnDataType, target: `${string}.${string}`): Column {
  return { type, constraints: (c) => c.notNull().references(target).onDelete('cascade') };
}

/** A table under construction, typed loosely enough for `keys` to name any of its columns. */
export type TableBuilder = CreateTableBuilder<string, string>;

/** One table a migration creates: its columns in order, then its multi-column keys and constraints. */
export interface Table {
  readonly name: string;
  readonly columns: Readonly<Record<string, Column>>;
  readonly keys: (tb: TableBuilder) => TableBuilder;
}

/** A table of `columns`, with `keys` adding its composite keys and constraints after them. */
export function table(
  name: string,
  columns: Readonly<Record<string, Column>>,
  keys: (tb: TableBuilder) => TableBuilder = (tb) => tb,
): Table {
  return { name, columns, keys };
}

/** A migration creating `tables` in order; down drops them in reverse, so references never dangle. */
export function createTables(tables: (t: MigrationTypes) => readonly Table[]): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const spec of tables(migrationTypes(db))) {
        let tb: TableBuilder = db.schema.createTable(spec.name);
        for (const [name, column] of Object.entries(spec.columns)) {
          tb = tb.addColumn(name, column.type, column.constraints);
        }
        await spec.keys(tb).execute();
      }
    },
    async down(db: Kysely<unknown>) {
      for (const spec of [...tables(migrationTypes(db))].reverse()) {
        await db.schema.dropTable(spec.name).execute();
      }
    },
  };
}

/**
 * A migration adding `columns` to an existing table, one ALTER TABLE each (all SQLite accepts); down drops
 * them in reverse.
 */
export function addColumns(tableName: string, columns: Readonly<Record<string, Column>>): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const [name, column] of Object.entries(columns)) {
        await db.schema.alterTable(tableName).addColumn(name, column.type, column.constraints).execute();
      }
    },
    async down(db: Kysely<unknown>) {
      for (const name of Object.keys(columns).reverse()) {
        await db.schema.alterTable(tableName).dropColumn(name).execute();
      }
    },
  };
}
