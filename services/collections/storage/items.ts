// The storage room of Collections: each collection's items live in a real table `col_<collection_id>`
// made with Kysely's schema builder, one typed SQL column per collection column, `item_id` the primary
// key. Why real tables rather than one generic items table: values keep their SQL type (comparisons and
// sorting are the database's, not text), an index on a column is an ordinary index, and a query touches
// only its collection's rows. Safe by construction: the table name is made from a platform-generated hex
// id; column names reach this file only as `Column`s from the collection's schema (validated names) and
// Kysely quotes them as identifiers; every value is a bound parameter; operators come from a fixed table.
import type { ExpressionBuilder, Expression, SqlBool, Kysely, Transaction } from 'kysely';
import type { Database } from '../../store/index.js';
import { IsobarError } from '../../../runtime-api/errors/index.js';
import { columnType, dialectOf, isBadPattern, likeMatch, regexpMatch } from '../../store/dialect.js';
import { SQL_TYPE, ITEM_ID, type Column } from '../columns.js';
import type { Condition, ItemQuery, Operator, Scalar } from '../query.js';

/** One stored item: column name → SQLite value. */
export type ItemRow = Record<string, Scalar>;
type ItemDb = Record<string, ItemRow>;
type AnyDb = Kysely<Database> | Transaction<Database>;

/** The item table of a collection; `id` is always the platform's 32-hex id, never a caller's text. */
function itemTable(collectionId: string): string {
  if (!/^[0-9a-f]{32}$/.test(collectionId)) throw new Error(`not a collection id: ${collectionId}`);
  return `col_${collectionId}`;
}

const items = (db: AnyDb) => db as unknown as Kysely<ItemDb>;

/** Creates the item table of a new collection (inside the caller's transaction). */
export async function createItemTable(
  db: AnyDb,
  collectionId: string,
  columns: readonly Column[],
): Promise<void> {
  const dialect = dialectOf(db);
  let builder = items(db)
    .schema.createTable(itemTable(collectionId))
    .addColumn(ITEM_ID, 'text', (c) => c.primaryKey());
  // PostgreSQL has no rowid: a numbered column keeps insertion order (hidden from answers, see ORDER_KEY).
  if (dialect === 'postgres') builder = builder.addColumn(PG_ORDER_KEY, 'bigserial');
  for (const col of columns) builder = builder.addColumn(col.name, columnType(dialect, SQL_TYPE[col.type]));
  await builder.execute();
}

/** Adds one column (existing items read null in it). */
export async function addItemColumn(db: AnyDb, collectionId: string, column: Column): Promise<void> {
  await items(db)
    .schema.alterTable(itemTable(collectionId))
    .addColumn(column.name, columnType(dialectOf(db), SQL_TYPE[column.type]))
    .execute();
}

/** Drops one column and its values. */
export async function dropItemColumn(db: AnyDb, collectionId: string, name: string): Promise<void> {
  await items(db).schema.alterTable(itemTable(collectionId)).dropColumn(name).execute();
}

/** Drops the item table with every item. */
export async function dropItemTable(db: AnyDb, collectionId: string): Promise<void> {
  await items(db).schema.dropTable(itemTable(collectionId)).ifExists().execute();
}

/** Creates an index on one column (bench and large collections: queries by that column stop scanning). */
export async function indexItemColumn(db: AnyDb, collectionId: string, name: string): Promise<void> {
  await items(db)
    .schema.createIndex(`${itemTable(collectionId)}_${name.toLowerCase()}`)
    .ifNotExists()
    .on(itemTable(collectionId))
    .column(name)
    .execute();
}

/** PostgreSQL's insertion-order column of an item table (SQLite orders by its rowid). */
const PG_ORDER_KEY = 'isobar_seq';

const SQL_OP: Readonly<
  Record<Exclude<Operator, 'IN' | 'RE' | 'LIKE'>, '=' | '!=' | '>' | '>=' | '<' | '<='>
> = {
  EQ: '=',
  NEQ: '!=',
  GT: '>',
  GTE: '>=',
  LT: '<',
  LTE: '<=',
};

function condition(db: AnyDb, eb: ExpressionBuilder<ItemDb, string>, c: Condition): Expression<SqlBool> {
  const ref = eb.ref(c.column.name);
  if (Array.isArray(c.value)) {
    const values = c.value as readonly Scalar[];
    return values.length === 0 ? eb.lit(false) : eb(ref, 'in', [...values]);
  }
  const value = c.value as Scalar;
  if (value === null) return eb(ref, c.op === 'EQ' ? 'is' : 'is not', null);
  // A NEQ keeps items whose column is null, as ClearBlade (Postgres `IS DISTINCT FROM`) does.
  if (c.op === 'NEQ') return eb.or([eb(ref, '!=', value), eb(ref, 'is', null)]);
  // Pattern operators differ between engines; the store's dialect seam makes them mean the same.
  if (c.op === 'RE') return regexpMatch(db, ref, String(value));
  if (c.op === 'LIKE') return likeMatch(db, ref, String(value));
  return eb(ref, SQL_OP[c.op as keyof typeof SQL_OP], value);
}

function where(db: AnyDb, groups: ItemQuery['groups']) {
  return (eb: ExpressionBuilder<ItemDb, string>): Expression<SqlBool> =>
    eb.or(groups.map((g) => eb.and(g.map((c) => condition(db, eb, c)))));
}

/** A query whose RE pattern the engine refuses answers CB_ERR_DATA_BAD_QUERY, as a pattern JavaScript refuses does. */
async function patternChecked<T>(query: Promise<T>): Promise<T> {
  try {
    return await query;
  } catch (err) {
    if (!isBadPattern(err)) throw err;
    const detail = err instanceof Error ? err.message : String(err);
    throw new IsobarError('CB_ERR_DATA_BAD_QUERY', {
      detail: `RE pattern not accepted by the database: ${detail}`,
    });
  }
}

/** Inserts rows (already converted by columns.toStored) in one statement per chunk. */
export async function insertItems(db: AnyDb, collectionId: string, rows: readonly ItemRow[]): Promise<void> {
  const table = itemTable(collectionId);
  // SQLite binds at most 32 766 parameters per statement; chunk well under it.
  const width = Math.max(1, Object.keys(rows[0] ?? {}).length);
  const chunk = Math.max(1, Math.floor(30_000 / width));
  for (let i = 0; i < rows.length; i += chunk) {
    await items(db)
      .insertInto(table)
      .values(rows.slice(i, i + chunk))
      .execute();
  }
}

/** One page of matching items and the number of matching items in all. */
export async function selectItems(
  db: AnyDb,
  collectionId: string,
  q: ItemQuery,
): Promise<{ rows: ItemRow[]; total: number }> {
  const table = itemTable(collectionId);
  const postgres = dialectOf(db) === 'postgres';
  let query = items(db).selectFrom(table);
  if (q.groups.length > 0) query = query.where(where(db, q.groups));
  let page = q.select === undefined ? query.selectAll() : query.select(q.select.map((c) => c.name));
  // Nulls sort as SQLite sorts them (first ascending, last descending), spelled out for PostgreSQL.
  for (const s of q.sort) {
    page = page.orderBy(s.column.name, (ob) =>
      s.direction === 'asc' ? ob.asc().nullsFirst() : ob.desc().nullsLast(),
    );
  }
  // A stable order makes pages stable: insertion order (rowid) after the caller's keys.
  page = page.orderBy((postgres ? PG_ORDER_KEY : 'rowid') as never);
  const rows = await patternChecked(
    page
      .limit(q.pageSize)
      .offset((q.pageNum - 1) * q.pageSize)
      .execute(),
  );
  if (postgres) for (const r of rows) delete r[PG_ORDER_KEY];
  const total = await countItems(db, collectionId, q);
  return { rows, total };
}

/** The number of items matching `q` (paging ignored). */
export async function countItems(
  db: AnyDb,
  collectionId: string,
  q: Pick<ItemQuery, 'groups'>,
): Promise<number> {
  let query = items(db).selectFrom(itemTable(collectionId));
  if (q.groups.length > 0) query = query.where(where(db, q.groups));
  const row = await patternChecked(query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst());
  return Number(row?.n ?? 0);
}

/** The item ids matching `q` (for the ItemUpdated/ItemDeleted events). */
async function matchingIds(db: AnyDb, collectionId: string, q: Pick<ItemQuery, 'groups'>): Promise<string[]> {
  let query = items(db).selectFrom(itemTable(collectionId));
  if (q.groups.length > 0) query = query.where(where(db, q.groups));
  const rows = await patternChecked(query.select(ITEM_ID).execute());
  return rows.map((r) => String(r[ITEM_ID]));
}

/** Sets `changes` on every item matching `q`; answers the ids changed. Run inside a transaction. */
export async function updateItems(
  db: AnyDb,
  collectionId: string,
  q: Pick<ItemQuery, 'groups'>,
  changes: ItemRow,
): Promise<string[]> {
  const ids = await matchingIds(db, collectionId, q);
  if (ids.length === 0 || Object.keys(changes).length === 0) return ids;
  let query = items(db).updateTable(itemTable(collectionId)).set(changes);
  if (q.groups.length > 0) query = query.where(where(db, q.groups));
  await query.execute();
  return ids;
}

/** Deletes every item matching `q`; answers the ids deleted. Run inside a transaction. */
export async function deleteItems(
  db: AnyDb,
  collectionId: string,
  q: Pick<ItemQuery, 'groups'>,
): Promise<string[]> {
  const ids = await matchingIds(db, collectionId, q);
  if (ids.length === 0) return ids;
  let query = items(db).deleteFrom(itemTable(collectionId));
  if (q.groups.length > 0) query = query.where(where(db, q.groups));
  await query.execute();
  return ids;
}
