// The part of ClearBlade's query language the user and device lists accept:
// `{"FILTERS": [[{"EQ": [{"email": "a@b"}]}, …], …], "PAGESIZE": n, "PAGENUM": n}` — FILTERS is an OR of
// AND-groups. Applied in memory over one system's rows.
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { ListQuery } from './types.js';

type Row = Readonly<Record<string, unknown>>;

const OPS: Record<string, (a: unknown, b: unknown) => boolean> = {
  EQ: (a, b) => a === b,
  NEQ: (a, b) => a !== b,
  GT: (a, b) => compare(a, b) > 0,
  GTE: (a, b) => compare(a, b) >= 0,
  LT: (a, b) => compare(a, b) < 0,
  LTE: (a, b) => compare(a, b) <= 0,
};

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return Number.NaN;
}

function bad(detail: string): IsobarError {
  return new IsobarError('CB_ERR_IDENTITY_BAD_QUERY', { detail });
}

/** Parses the `query` parameter (URL-decoded JSON); empty means everything. */
export function parseQuery(text: string | undefined): ListQuery {
  if (text === undefined || text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad('query is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw bad('query must be an object');
  return value as ListQuery;
}

function predicate(filters: unknown): (row: Row) => boolean {
  if (filters === undefined || filters === null) return () => true;
  if (!Array.isArray(filters)) throw bad('FILTERS must be an array of arrays');
  const groups = filters.map((group: unknown) => {
    if (!Array.isArray(group)) throw bad('FILTERS must be an array of arrays');
    return group.map((cond: unknown) => {
      if (typeof cond !== 'object' || cond === null) throw bad('a filter must be an object');
      const [op, args] = Object.entries(cond)[0] ?? [];
      const fn = op === undefined ? undefined : OPS[op];
      if (fn === undefined) throw bad(`operator ${String(op)} is not supported`);
      if (!Array.isArray(args)) throw bad(`${op} expects an array`);
      const pairs = args.flatMap((a: unknown) => {
        if (typeof a !== 'object' || a === null) throw bad(`${op} expects objects`);
        return Object.entries(a);
      });
      return (row: Row) => pairs.every(([field, v]) => fn(row[field], v));
    });
  });
  if (groups.length === 0) return () => true;
  return (row) => groups.some((conds) => conds.every((c) => c(row)));
}

/** Filters, then pages (`PAGENUM` counts from 1; `PAGESIZE` 0 or absent = all); `total` counts before paging. */
export function applyQuery<T extends Row>(
  rows: readonly T[],
  query: ListQuery,
): { data: T[]; total: number } {
  const matching = rows.filter(predicate(query.FILTERS));
  const size = query.PAGESIZE ?? 0;
  const page = query.PAGENUM ?? 1;
  if (!Number.isInteger(size) || size < 0 || !Number.isInteger(page) || page < 0) {
    throw bad('PAGESIZE and PAGENUM must be non-negative integers');
  }
  const data =
    size === 0 ? matching : matching.slice((Math.max(page, 1) - 1) * size, Math.max(page, 1) * size);
  return { data, total: matching.length };
}
