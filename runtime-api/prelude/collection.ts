// ClearBlade.Collection, ClearBlade.Query and ClearBlade.Item inside a service, callback style as the
// in-service library and the Node SDK shape them: a Query builds ClearBlade's query object
// ({FILTERS: [[{EQ: [{column: value}]}]], SORT, PAGESIZE, PAGENUM, SELECTCOLUMNS}); every read or write
// is one `collection.*` bridge op, answered by the host with the run's identity and permissions.

import type { BridgeOp } from '../bridge-ops.js';
import type { Answer } from './bridge.js';
import { deliver, type Callback } from './callbacks.js';

type Platform = (op: BridgeOp, args: unknown[]) => Answer;

/** How a Collection, Query or Item names its collection: an id string or an options object. */
type CollectionRef = string | { collectionID?: string; collectionName?: string; collection?: string };

interface QueryBody {
  FILTERS?: Array<Array<Record<string, Array<Record<string, unknown>>>>>;
  SORT?: Array<Record<string, string>>;
  PAGESIZE?: number;
  PAGENUM?: number;
  SELECTCOLUMNS?: string[];
}

interface QueryObject {
  query: QueryBody;
}

const isQuery = (q: unknown): q is QueryObject =>
  typeof q === 'object' && q !== null && typeof (q as { query?: unknown }).query === 'object';

/** A Query object, a raw query body, or nothing: what goes over the bridge is the raw body. */
const bodyOf = (q: unknown): unknown =>
  isQuery(q) ? q.query : q === undefined || typeof q === 'function' ? {} : q;

const byId = (id: unknown): QueryBody => ({ FILTERS: [[{ EQ: [{ item_id: id }] }]] });

/** Builds the Collection, Query and Item constructors for one context. */
export function createCollectionApi(platform: Platform) {
  const call = (op: BridgeOp, args: unknown[], cb: unknown, map?: (d: unknown) => unknown) =>
    deliver(platform(op, args), cb, map);

  function Collection(ref: CollectionRef) {
    if (ref === undefined || ref === null || ref === '') {
      throw new Error('Must supply a collectionID or collectionName key in options object');
    }
    return {
      fetch(query: unknown, cb?: Callback) {
        call('collection.fetch', [ref, bodyOf(query)], typeof query === 'function' ? query : cb);
      },
      create(itemOrItems: unknown, cb?: Callback) {
        call('collection.create', [ref, itemOrItems], cb);
      },
      update(query: unknown, changes: unknown, cb?: Callback) {
        call('collection.update', [ref, bodyOf(query), changes], cb);
      },
      remove(query: unknown, cb?: Callback) {
        call('collection.remove', [ref, bodyOf(query)], cb);
      },
      count(query: unknown, cb?: Callback) {
        call('collection.count', [ref, bodyOf(query)], typeof query === 'function' ? query : cb);
      },
      columns(cb?: Callback) {
        call('collection.columns', [ref], cb);
      },
    };
  }

  function Query(ref?: CollectionRef) {
    const q = {
      query: {} as QueryBody,
      /** Adds `{op: [{field: value}]}` to the first AND group (the SDKs' addFilterToQuery). */
      addFilter(op: string, field: string, value: unknown) {
        const filters = (q.query.FILTERS ??= [[]]);
        const group = filters[0];
        const existing = group.find((f) => Object.prototype.hasOwnProperty.call(f, op));
        if (existing !== undefined) existing[op].push({ [field]: value });
        else group.push({ [op]: [{ [field]: value }] });
        return q;
      },
      equalTo: (field: string, value: unknown) => q.addFilter('EQ', field, value),
      notEqualTo: (field: string, value: unknown) => q.addFilter('NEQ', field, value),
      greaterThan: (field: string, value: unknown) => q.addFilter('GT', field, value),
      greaterThanEqualTo: (field: string, value: unknown) => q.addFilter('GTE', field, value),
      lessThan: (field: string, value: unknown) => q.addFilter('LT', field, value),
      lessThanEqualTo: (field: string, value: unknown) => q.addFilter('LTE', field, value),
      matches: (field: string, pattern: string) => q.addFilter('RE', field, pattern),
      like: (field: string, pattern: string) => q.addFilter('LIKE', field, pattern),
      in: (field: string, values: unknown[]) => q.addFilter('IN', field, values),
      ascending(field: string) {
        (q.query.SORT ??= []).push({ ASC: field });
        return q;
      },
      descending(field: string) {
        (q.query.SORT ??= []).push({ DESC: field });
        return q;
      },
      setPage(pageSize: number, pageNum: number) {
        q.query.PAGESIZE = pageSize;
        q.query.PAGENUM = pageNum;
        return q;
      },
      columns(names: string[]) {
        q.query.SELECTCOLUMNS = names;
        return q;
      },
      /** OR: the other query's AND groups become alternatives of this one's. */
      or(other: QueryObject) {
        const theirs = other.query.FILTERS ?? [];
        q.query.FILTERS = [...(q.query.FILTERS ?? []), ...theirs];
        return q;
      },
      fetch(cb?: Callback) {
        call('collection.fetch', [need(), q.query], cb);
      },
      update(changes: unknown, cb?: Callback) {
        call('collection.update', [need(), q.query, changes], cb);
      },
      remove(cb?: Callback) {
        call('collection.remove', [need(), q.query], cb);
      },
    };
    const need = (): CollectionRef => {
      if (ref === undefined || ref === null || ref === '') {
        throw new Error(
          'This Query has no collection: use ClearBlade.Query({collectionName}) or pass it to a Collection',
        );
      }
      return ref;
    };
    return q;
  }

  function Item(data: Record<string, unknown>, ref: CollectionRef) {
    const item = {
      data: { ...data },
      save(cb?: Callback) {
        const { item_id: id, ...changes } = item.data;
        call('collection.update', [ref, byId(id), changes], cb);
      },
      refresh(cb?: Callback) {
        call('collection.fetch', [ref, byId(item.data.item_id)], cb, (d) => {
          const row = (d as { DATA?: Array<Record<string, unknown>> }).DATA?.[0];
          if (row !== undefined) item.data = row;
          return item.data;
        });
      },
      destroy(cb?: Callback) {
        call('collection.remove', [ref, byId(item.data.item_id)], cb);
      },
    };
    return item;
  }

  return { Collection, Query, Item };
}
