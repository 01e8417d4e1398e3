// What Collections does, independent of who asks (REST routes, bridge ops, benches): the catalogue kept
// in memory, item reads and writes through storage/, the Data events on the platform bus. Permission
// checks are the callers' (routes.ts, bridge-ops.ts) through `level`.
import { randomBytes, randomUUID } from 'node:crypto';
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { Clock } from '../kernel/clock.js';
import type { PlatformEvents } from '../kernel/events.js';
import type { Store } from '../store/index.js';
import { assertName, fromStored, ITEM_ID, parseColumnType, toStored, type Column } from './columns.js';
import { columnOf, parseQuery, QUERY_LIMITS, type QueryLimits, type Schema } from './query.js';
import {
  deleteCollection,
  deleteColumn,
  insertCollection,
  insertColumn,
  loadCatalog,
  type CatalogEntry,
} from './storage/catalog.js';
import {
  countItems,
  deleteItems,
  indexItemColumn,
  insertItems,
  selectItems,
  updateItems,
  type ItemRow,
} from './storage/items.js';

/** A collection with its schema, as every operation receives it. */
export interface Collection extends CatalogEntry {
  /** Columns by lower-cased name, item_id included (as a string column). */
  readonly schema: Schema;
}

export interface CollectionLimits extends QueryLimits {
  readonly maxCollectionsPerSystem: number;
  readonly maxColumns: number;
  /** Most items one create takes (an array body). */
  readonly maxItemsPerCreate: number;
}

export const COLLECTION_LIMITS: CollectionLimits = {
  ...QUERY_LIMITS,
  maxCollectionsPerSystem: 1000,
  maxColumns: 200,
  maxItemsPerCreate: 10_000,
};

/** ClearBlade's fetch answer. */
export interface FetchAnswer {
  DATA: Array<Record<string, unknown>>;
  TOTAL: number;
  CURRENTPAGE: number;
  NEXTPAGEURL: string | null;
  PREVPAGEURL: string | null;
}

export interface CollectionsApi {
  list(systemKey: string): Collection[];
  /** By id within the system, or CB_ERR_DATA_UNKNOWN_COLLECTION. */
  byId(systemKey: string | undefined, id: string): Collection;
  byName(systemKey: string, name: string): Collection;
  create(systemKey: string, name: unknown, columns?: unknown): Promise<Collection>;
  addColumn(c: Collection, name: unknown, type: unknown): Promise<Collection>;
  dropColumn(c: Collection, name: unknown): Promise<Collection>;
  /** Indexes a column (not a ClearBlade route; used by benches and for large collections). */
  indexColumn(c: Collection, name: string): Promise<void>;
  remove(c: Collection): Promise<void>;
  insert(c: Collection, body: unknown): Promise<Array<{ item_id: string }>>;
  fetch(c: Collection, query: unknown): Promise<FetchAnswer>;
  count(c: Collection, query: unknown): Promise<{ count: number }>;
  update(c: Collection, query: unknown, changes: unknown): Promise<{ count: number }>;
  removeItems(c: Collection, query: unknown): Promise<{ count: number }>;
  columns(c: Collection): Array<{ ColumnName: string; ColumnType: string; PK: boolean }>;
  /** The public description of a collection (management and allcollections answers). */
  describe(c: Collection): Record<string, unknown>;
  /**
   * Cluster change feed: re-reads one system's catalogue after another node changed it (built aside,
   * swapped in at once). Emits no event: the node that made the change already did.
   */
  reloadSystem(systemKey: string): Promise<void>;
  /** Told the system after a collection or column was created or dropped here and committed. */
  onChanged(listener: (systemKey: string) => void): () => void;
}

export interface CollectionsApiDeps {
  readonly store: Store;
  readonly events: PlatformEvents;
  readonly clock: Clock;
}

const ITEM_ID_COLUMN: Column = { name: ITEM_ID, type: 'string' };

function withSchema(entry: CatalogEntry): Collection {
  const schema = new Map<string, Column>([[ITEM_ID, ITEM_ID_COLUMN]]);
  for (const c of entry.columns) schema.set(c.name.toLowerCase(), c);
  return { ...entry, schema };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Loads the catalogue and returns the operations on it. */
export async function createCollectionsApi(
  deps: CollectionsApiDeps,
  limits: CollectionLimits = COLLECTION_LIMITS,
): Promise<CollectionsApi> {
  const { store, events, clock } = deps;
  const byId = new Map<string, Collection>();
  for (const entry of await loadCatalog(store)) byId.set(entry.id, withSchema(entry));
  const bySystem = (systemKey: string) => [...byId.values()].filter((c) => c.systemKey === systemKey);
  const unknown = (collection: string) => new IsobarError('CB_ERR_DATA_UNKNOWN_COLLECTION', { collection });
  const base = (c: Collection) => ({ systemKey: c.systemKey, collectionId: c.id, collectionName: c.name });
  const listeners = new Set<(systemKey: string) => void>();
  const replace = (entry: CatalogEntry): Collection => {
    const c = withSchema(entry);
    byId.set(c.id, c);
    for (const fn of listeners) fn(c.systemKey);
    return c;
  };

  const row = (c: Collection, item: unknown): ItemRow => {
    if (!isObject(item))
      throw new IsobarError('CB_ERR_DATA_BAD_ITEM', { detail: 'an item must be an object' });
    const out: ItemRow = {};
    for (const [name, value] of Object.entries(item)) {
      const column = columnOf(c.schema, c.name, name);
      if (column === ITEM_ID_COLUMN) continue; // assigned by the platform
      out[column.name] = toStored(column, value);
    }
    return out;
  };
  const answerRow = (c: Collection, stored: ItemRow): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(stored)) {
      const column = c.schema.get(name.toLowerCase());
      out[name] = column === undefined ? value : fromStored(column, value);
    }
    return out;
  };

  const api: CollectionsApi = {
    list: bySystem,
    byId(systemKey, id) {
      const c = byId.get(id);
      if (c === undefined || (systemKey !== undefined && c.systemKey !== systemKey)) throw unknown(id);
      return c;
    },
    byName(systemKey, name) {
      const c = bySystem(systemKey).find((x) => x.name === name);
      if (c === undefined) throw unknown(name);
      return c;
    },
    async create(systemKey, name, columns) {
      assertName('collection', name);
      const existing = bySystem(systemKey);
      if (existing.some((c) => c.name.toLowerCase() === name.toLowerCase())) {
        throw new IsobarError('CB_ERR_DATA_COLLECTION_EXISTS', { name });
      }
      if (existing.length >= limits.maxCollectionsPerSystem) {
        throw new IsobarError('CB_ERR_DATA_TOO_MANY', {
          what: 'collections',
          max: limits.maxCollectionsPerSystem,
        });
      }
      const cols: Column[] = [];
      for (const spec of Array.isArray(columns) ? (columns as unknown[]) : []) {
        const s = isObject(spec) ? spec : {};
        assertName('column', s.name);
        const column = { name: s.name, type: parseColumnType(s.type) };
        if (cols.some((x) => x.name.toLowerCase() === column.name.toLowerCase())) {
          throw new IsobarError('CB_ERR_DATA_COLUMN_EXISTS', { collection: name, column: column.name });
        }
        cols.push(column);
      }
      const entry: CatalogEntry = {
        id: randomBytes(16).toString('hex'),
        systemKey,
        name,
        createdAt: clock.now(),
        columns: cols,
      };
      await insertCollection(store, entry);
      const c = replace(entry);
      events.emit('collection.created', base(c));
      return c;
    },
    async addColumn(c, name, type) {
      assertName('column', name);
      const t = parseColumnType(type);
      if (c.schema.has(name.toLowerCase())) {
        throw new IsobarError('CB_ERR_DATA_COLUMN_EXISTS', { collection: c.name, column: name });
      }
      if (c.columns.length >= limits.maxColumns) {
        throw new IsobarError('CB_ERR_DATA_TOO_MANY', { what: 'columns', max: limits.maxColumns });
      }
      const column: Column = { name, type: t };
      await insertColumn(store, c.id, column, c.columns.length);
      const next = replace({ ...c, columns: [...c.columns, column] });
      events.emit('collection.updated', base(next));
      return next;
    },
    async dropColumn(c, name) {
      if (typeof name !== 'string')
        throw new IsobarError('CB_ERR_DATA_UNKNOWN_COLUMN', { collection: c.name, column: String(name) });
      const column = columnOf(c.schema, c.name, name);
      if (column === ITEM_ID_COLUMN) {
        throw new IsobarError('CB_ERR_DATA_BAD_NAME', {
          what: 'column',
          name,
          detail: 'item_id cannot be dropped',
        });
      }
      await deleteColumn(store, c.id, column.name);
      const next = replace({ ...c, columns: c.columns.filter((x) => x !== column) });
      events.emit('collection.updated', base(next));
      return next;
    },
    async indexColumn(c, name) {
      await indexItemColumn(store.db, c.id, columnOf(c.schema, c.name, name).name);
    },
    async remove(c) {
      await deleteCollection(store, c.id);
      byId.delete(c.id);
      for (const fn of listeners) fn(c.systemKey);
      events.emit('collection.deleted', base(c));
    },
    async insert(c, body) {
      const list = Array.isArray(body) ? (body as unknown[]) : [body];
      if (list.length === 0) throw new IsobarError('CB_ERR_DATA_BAD_ITEM', { detail: 'no items to create' });
      if (list.length > limits.maxItemsPerCreate) {
        throw new IsobarError('CB_ERR_DATA_TOO_MANY', {
          what: 'items in one create',
          max: limits.maxItemsPerCreate,
        });
      }
      // One shape per statement: every row lists every column (absent ones null).
      const rows = list.map((item) => {
        const r = row(c, item);
        const full: ItemRow = { [ITEM_ID]: randomUUID() };
        for (const col of c.columns) full[col.name] = r[col.name] ?? null;
        return full;
      });
      await store.transaction((trx) => insertItems(trx, c.id, rows));
      const ids = rows.map((r) => String(r[ITEM_ID]));
      if (events.has('item.created')) events.emit('item.created', { ...base(c), itemIds: ids });
      return ids.map((item_id) => ({ item_id }));
    },
    async fetch(c, query) {
      const q = parseQuery(query, c.schema, c.name, limits);
      const { rows, total } = await selectItems(store.db, c.id, q);
      return {
        DATA: rows.map((r) => answerRow(c, r)),
        TOTAL: total,
        CURRENTPAGE: q.pageNum,
        NEXTPAGEURL: null,
        PREVPAGEURL: null,
      };
    },
    async count(c, query) {
      return { count: await countItems(store.db, c.id, parseQuery(query, c.schema, c.name, limits)) };
    },
    async update(c, query, changes) {
      const q = parseQuery(query, c.schema, c.name, limits);
      if (!isObject(changes))
        throw new IsobarError('CB_ERR_DATA_BAD_ITEM', { detail: '$set must be an object' });
      const set = row(c, changes);
      const ids = await store.transaction((trx) => updateItems(trx, c.id, q, set));
      if (ids.length > 0 && events.has('item.updated')) {
        events.emit('item.updated', { ...base(c), itemIds: ids, query: query ?? null });
      }
      return { count: ids.length };
    },
    async removeItems(c, query) {
      const q = parseQuery(query, c.schema, c.name, limits);
      const ids = await store.transaction((trx) => deleteItems(trx, c.id, q));
      if (ids.length > 0 && events.has('item.deleted')) {
        events.emit('item.deleted', { ...base(c), itemIds: ids, query: query ?? null });
      }
      return { count: ids.length };
    },
    columns: (c) => [
      { ColumnName: ITEM_ID, ColumnType: 'string', PK: true },
      ...c.columns.map((col) => ({ ColumnName: col.name, ColumnType: col.type, PK: false })),
    ],
    describe: (c) => ({
      collectionID: c.id,
      collection_id: c.id,
      name: c.name,
      appID: c.systemKey,
      system_key: c.systemKey,
      schema: api.columns(c),
    }),
    async reloadSystem(systemKey) {
      const fresh = (await loadCatalog(store, systemKey)).map(withSchema);
      for (const c of bySystem(systemKey)) byId.delete(c.id);
      for (const c of fresh) byId.set(c.id, c);
    },
    onChanged(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return api;
}
