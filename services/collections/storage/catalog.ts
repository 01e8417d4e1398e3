// The collections catalogue (tables `collections`, `collection_columns`, migration 010) read and written
// through the store's typed query builder, each change together with its item table's DDL in one
// transaction, so the catalogue and the item tables never disagree.
import type { Store } from '../../store/index.js';
import { ITEM_ID, type Column, type ColumnType } from '../columns.js';
import { addItemColumn, createItemTable, dropItemColumn, dropItemTable } from './items.js';

/** One collection as the catalogue holds it. */
export interface CatalogEntry {
  readonly id: string;
  readonly systemKey: string;
  readonly name: string;
  readonly createdAt: number;
  /** In the order they were added; item_id not included. */
  readonly columns: readonly Column[];
}

/**
 * Every collection of every system, or of one system (read at start, and again for one system when
 * another node changed it; the component keeps them in memory).
 */
export async function loadCatalog(store: Store, systemKey?: string): Promise<CatalogEntry[]> {
  let collections = store.db.selectFrom('collections').selectAll();
  if (systemKey !== undefined) collections = collections.where('system_key', '=', systemKey);
  const rows = await collections.execute();
  let columns = store.db.selectFrom('collection_columns').selectAll();
  if (systemKey !== undefined) {
    const ids = rows.map((r) => r.collection_id);
    if (ids.length === 0) return [];
    columns = columns.where('collection_id', 'in', ids);
  }
  const cols = await columns.orderBy('position').execute();
  const byId = new Map<string, Column[]>();
  for (const c of cols) {
    let list = byId.get(c.collection_id);
    if (list === undefined) byId.set(c.collection_id, (list = []));
    list.push({ name: c.name, type: c.type as ColumnType });
  }
  return rows.map((r) => ({
    id: r.collection_id,
    systemKey: r.system_key,
    name: r.name,
    createdAt: r.created_at,
    columns: byId.get(r.collection_id) ?? [],
  }));
}

/** Records a new collection and creates its item table. */
export async function insertCollection(store: Store, entry: CatalogEntry): Promise<void> {
  await store.transaction(async (trx) => {
    await trx
      .insertInto('collections')
      .values({
        collection_id: entry.id,
        system_key: entry.systemKey,
        name: entry.name,
        created_at: entry.createdAt,
      })
      .execute();
    if (entry.columns.length > 0) {
      await trx
        .insertInto('collection_columns')
        .values(
          entry.columns.map((c, i) => ({ collection_id: entry.id, name: c.name, type: c.type, position: i })),
        )
        .execute();
    }
    await createItemTable(trx, entry.id, entry.columns);
  });
}

/** Records and adds one column. */
export async function insertColumn(
  store: Store,
  id: string,
  column: Column,
  position: number,
): Promise<void> {
  await store.transaction(async (trx) => {
    await trx
      .insertInto('collection_columns')
      .values({ collection_id: id, name: column.name, type: column.type, position })
      .execute();
    await addItemColumn(trx, id, column);
  });
}

/** Forgets and drops one column. */
export async function deleteColumn(store: Store, id: string, name: string): Promise<void> {
  if (name === ITEM_ID) throw new Error('item_id cannot be dropped');
  await store.transaction(async (trx) => {
    await trx
      .deleteFrom('collection_columns')
      .where('collection_id', '=', id)
      .where('name', '=', name)
      .execute();
    await dropItemColumn(trx, id, name);
  });
}

/** Forgets a collection and drops its item table. */
export async function deleteCollection(store: Store, id: string): Promise<void> {
  await store.transaction(async (trx) => {
    await trx.deleteFrom('collection_columns').where('collection_id', '=', id).execute();
    await trx.deleteFrom('collections').where('collection_id', '=', id).execute();
    await dropItemTable(trx, id);
  });
}
