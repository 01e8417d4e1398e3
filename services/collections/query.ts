// ClearBlade's query object (Node SDK `ClearBlade.Query`, JS SDK, Go SDK `Query.serialize`) read into a
// checked form: FILTERS is an OR of AND groups, each condition `{OP: [{column: value}, …]}` (the Go SDK
// sends `{OP: {column: value}}`); SORT `[{ASC|DESC: column}]`; PAGESIZE/PAGENUM (1-based); SELECTCOLUMNS.
// Every column is looked up in the collection's schema and every value converted for its column here,
// so what reaches the storage compiler is only known columns, fixed operators and typed values.
import { IsobarError } from '../../runtime-api/errors/index.js';
import { toStored, type Column } from './columns.js';

/** The operators the SDKs send (Query.equalTo … matches), plus `IN` and `LIKE`. */
export const OPERATORS = ['EQ', 'NEQ', 'GT', 'GTE', 'LT', 'LTE', 'RE', 'IN', 'LIKE'] as const;
export type Operator = (typeof OPERATORS)[number];

export type Scalar = string | number | null;

export interface Condition {
  readonly column: Column;
  readonly op: Operator;
  /** One value, or the list of an `IN`. */
  readonly value: Scalar | readonly Scalar[];
}

export interface SortKey {
  readonly column: Column;
  readonly direction: 'asc' | 'desc';
}

/** A checked query: `groups` OR-ed (empty = every item), conditions in a group AND-ed. */
export interface ItemQuery {
  readonly groups: ReadonlyArray<readonly Condition[]>;
  readonly sort: readonly SortKey[];
  /** Items per page (already capped); `pageNum` is 1-based. */
  readonly pageSize: number;
  readonly pageNum: number;
  /** Columns to answer; undefined = all. */
  readonly select?: readonly Column[];
}

/** A collection's columns by lower-cased name (item_id included). */
export type Schema = ReadonlyMap<string, Column>;

export interface QueryLimits {
  /** Most items one page answers (a PAGESIZE above it, or none, reads this many). */
  readonly maxPageSize: number;
  /** Most conditions in one query, values of an IN included. */
  readonly maxConditions: number;
  /** Longest RE pattern (the regexp runs on the database thread). */
  readonly maxPatternLength: number;
}

export const QUERY_LIMITS: QueryLimits = { maxPageSize: 10_000, maxConditions: 1000, maxPatternLength: 256 };

const badQuery = (detail: string) => new IsobarError('CB_ERR_DATA_BAD_QUERY', { detail });

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The column `name` of `schema`, or CB_ERR_DATA_UNKNOWN_COLUMN. */
export function columnOf(schema: Schema, collection: string, name: string): Column {
  const column = schema.get(name.toLowerCase());
  if (column === undefined) throw new IsobarError('CB_ERR_DATA_UNKNOWN_COLUMN', { collection, column: name });
  return column;
}

function operatorOf(key: string): Operator {
  const op = key.toUpperCase();
  if (!(OPERATORS as readonly string[]).includes(op)) {
    throw new IsobarError('CB_ERR_DATA_BAD_OPERATOR', { operator: key });
  }
  return op as Operator;
}

function conditionValue(column: Column, op: Operator, raw: unknown, limits: QueryLimits): Condition['value'] {
  if (op === 'IN') {
    if (!Array.isArray(raw)) throw badQuery(`IN on ${column.name} needs an array of values`);
    if (raw.length > limits.maxConditions)
      throw badQuery(`IN holds more than ${limits.maxConditions} values`);
    return raw.map((v: unknown) => toStored(column, v));
  }
  if (op === 'RE' || op === 'LIKE') {
    if (typeof raw !== 'string') throw badQuery(`${op} on ${column.name} needs a string pattern`);
    if (op === 'RE') {
      if (raw.length > limits.maxPatternLength) {
        throw badQuery(`RE pattern longer than ${limits.maxPatternLength} characters`);
      }
      try {
        new RegExp(raw);
      } catch {
        throw badQuery(`RE pattern ${JSON.stringify(raw)} is not a regular expression`);
      }
    }
    return raw;
  }
  const value = toStored(column, raw);
  if (value === null && op !== 'EQ' && op !== 'NEQ')
    throw badQuery(`${op} on ${column.name} cannot compare null`);
  return value;
}

function parseGroup(group: unknown, schema: Schema, collection: string, limits: QueryLimits): Condition[] {
  if (!Array.isArray(group)) throw badQuery('FILTERS must be an array of arrays of conditions');
  const out: Condition[] = [];
  for (const entry of group as unknown[]) {
    if (!isObject(entry)) throw badQuery('a condition must be an object like {"EQ": [{"column": value}]}');
    for (const [key, pairs] of Object.entries(entry)) {
      const op = operatorOf(key);
      const list = Array.isArray(pairs) ? (pairs as unknown[]) : [pairs];
      for (const pair of list) {
        if (!isObject(pair)) throw badQuery(`${op} needs objects of {column: value}`);
        for (const [name, raw] of Object.entries(pair)) {
          const column = columnOf(schema, collection, name);
          out.push({ column, op, value: conditionValue(column, op, raw, limits) });
        }
      }
    }
  }
  return out;
}

function parseSort(sort: unknown, schema: Schema, collection: string): SortKey[] {
  if (sort === undefined || sort === null) return [];
  if (!Array.isArray(sort)) throw badQuery('SORT must be an array like [{"ASC": "column"}]');
  return (sort as unknown[]).flatMap((entry) => {
    if (!isObject(entry)) throw badQuery('SORT must be an array like [{"ASC": "column"}]');
    return Object.entries(entry).map(([dir, name]) => {
      const d = dir.toUpperCase();
      if ((d !== 'ASC' && d !== 'DESC') || typeof name !== 'string') {
        throw badQuery('SORT entries are {"ASC": "column"} or {"DESC": "column"}');
      }
      return { column: columnOf(schema, collection, name), direction: d === 'ASC' ? 'asc' : 'desc' } as const;
    });
  });
}

function nonNegativeInt(v: unknown, field: string): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (n === undefined || n === null) return 0;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw badQuery(`${field} must be a non-negative integer`);
  }
  return n;
}

/**
 * Reads a query as the SDKs send it: a full query object, a bare FILTERS array (the Node SDK's update
 * and remove bodies), or nothing (every item).
 */
export function parseQuery(
  raw: unknown,
  schema: Schema,
  collection: string,
  limits: QueryLimits = QUERY_LIMITS,
): ItemQuery {
  const obj: Record<string, unknown> =
    raw === undefined || raw === null || raw === ''
      ? {}
      : Array.isArray(raw)
        ? { FILTERS: raw }
        : isObject(raw)
          ? raw
          : (() => {
              throw badQuery('the query must be an object or a FILTERS array');
            })();
  const filters = obj.FILTERS ?? [];
  if (!Array.isArray(filters)) throw badQuery('FILTERS must be an array of arrays of conditions');
  const groups = (filters as unknown[])
    .map((g) => parseGroup(g, schema, collection, limits))
    .filter((g) => g.length > 0);
  const count = groups.reduce(
    (n, g) => n + g.reduce((m, c) => m + (Array.isArray(c.value) ? c.value.length : 1), 0),
    0,
  );
  if (count > limits.maxConditions) throw badQuery(`more than ${limits.maxConditions} conditions`);
  const size = nonNegativeInt(obj.PAGESIZE, 'PAGESIZE');
  const num = nonNegativeInt(obj.PAGENUM, 'PAGENUM');
  const select = obj.SELECTCOLUMNS;
  if (select !== undefined && select !== null && !Array.isArray(select)) {
    throw badQuery('SELECTCOLUMNS must be an array of column names');
  }
  return {
    groups,
    sort: parseSort(obj.SORT, schema, collection),
    pageSize: size === 0 ? limits.maxPageSize : Math.min(size, limits.maxPageSize),
    pageNum: Math.max(num, 1),
    ...(Array.isArray(select) && select.length > 0
      ? {
          select: (select as unknown[]).map((n) => {
            if (typeof n !== 'string') throw badQuery('SELECTCOLUMNS must be an array of column names');
            return columnOf(schema, collection, n);
          }),
        }
      : {}),
  };
}

/** `?query=` as the SDKs send it: URL-encoded JSON (fastify has decoded it once; some SDKs encode twice). */
export function parseQueryString(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  for (const candidate of [text, safeDecode(text)]) {
    try {
      return JSON.parse(candidate) as unknown;
    } catch {
      // try the next form
    }
  }
  throw badQuery('query is not JSON');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
