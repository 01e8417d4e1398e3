// Column types as ClearBlade names them, what SQLite stores for each, and the one place a caller's value
// is checked and converted for a column. Every value reaching SQL has passed through `toStored`, and
// every value leaving reaches the caller through `fromStored`.
import { IsobarError } from '../../runtime-api/errors/index.js';

/** ClearBlade's column type names. */
export const COLUMN_TYPES = ['string', 'int', 'float', 'bool', 'timestamp', 'uuid', 'blob'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** The SQLite storage class of each type (Kysely schema builder data type). */
export const SQL_TYPE: Readonly<Record<ColumnType, 'text' | 'integer' | 'real'>> = {
  string: 'text',
  int: 'integer',
  float: 'real',
  bool: 'integer',
  timestamp: 'text',
  uuid: 'text',
  blob: 'text',
};

/** Aliases older ClearBlade consoles and exports use for the same types. */
const ALIASES: Readonly<Record<string, ColumnType>> = {
  string: 'string',
  text: 'string',
  int: 'int',
  integer: 'int',
  bigint: 'int',
  float: 'float',
  double: 'float',
  number: 'float',
  bool: 'bool',
  boolean: 'bool',
  timestamp: 'timestamp',
  uuid: 'uuid',
  blob: 'blob',
};

/** One column of a collection. */
export interface Column {
  readonly name: string;
  readonly type: ColumnType;
}

/** The column every collection has: its primary key, assigned by the platform. */
export const ITEM_ID = 'item_id';

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Checks a collection or column name; names become SQL identifiers, so only this shape passes. */
export function assertName(what: 'collection' | 'column', name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new IsobarError('CB_ERR_DATA_BAD_NAME', {
      what,
      name: String(name),
      detail: 'letters, digits and _ only, starting with a letter or _, at most 64 characters',
    });
  }
  if (what === 'column' && name.toLowerCase() === ITEM_ID) {
    throw new IsobarError('CB_ERR_DATA_BAD_NAME', { what, name, detail: 'item_id is reserved' });
  }
}

/** The column type a developer named, or CB_ERR_DATA_BAD_COLUMN_TYPE. */
export function parseColumnType(type: unknown): ColumnType {
  const t = typeof type === 'string' ? ALIASES[type.toLowerCase()] : undefined;
  if (t === undefined) throw new IsobarError('CB_ERR_DATA_BAD_COLUMN_TYPE', { type: String(type) });
  return t;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function bad(column: Column, detail: string): IsobarError {
  return new IsobarError('CB_ERR_DATA_BAD_VALUE', { column: column.name, type: column.type, detail });
}

/** A caller's value for `column`, as SQLite stores it; null stays null. Refuses values of another type. */
export function toStored(column: Column, value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case 'string':
    case 'blob':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw bad(column, `got ${Array.isArray(value) ? 'an array' : typeof value}`);
    case 'int': {
      const n = typeof value === 'string' && /^-?\d{1,16}$/.test(value) ? Number(value) : value;
      if (typeof n === 'number' && Number.isSafeInteger(n)) return n;
      throw bad(column, `${JSON.stringify(value)} is not an integer`);
    }
    case 'float': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n === 'number' && Number.isFinite(n)) return n;
      throw bad(column, `${JSON.stringify(value)} is not a number`);
    }
    case 'bool':
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (value === 'true' || value === 'false') return value === 'true' ? 1 : 0;
      throw bad(column, `${JSON.stringify(value)} is not true or false`);
    case 'timestamp': {
      const d = typeof value === 'number' || typeof value === 'string' ? new Date(value) : undefined;
      if (d !== undefined && !Number.isNaN(d.getTime())) return d.toISOString();
      throw bad(column, `${JSON.stringify(value)} is not a date (ISO text or epoch ms)`);
    }
    case 'uuid':
      if (typeof value === 'string' && UUID_RE.test(value)) return value.toLowerCase();
      throw bad(column, `${JSON.stringify(value)} is not a UUID`);
  }
}

/** A stored value as the caller sees it (bool columns answer true/false). */
export function fromStored(column: Column, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (column.type === 'bool') return value === 1 || value === 1n;
  if (typeof value === 'bigint') return Number(value);
  return value;
}
