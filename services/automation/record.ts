// What a trigger record and a timer record share: the rule for their names, who created them and how a row goes.
// Both kinds live in one table pair and one REST shape (reference §4.2, §5), so the rule is kept once.

import { IsobarError } from '../../runtime-api/errors/index.js';
import type { Updateable } from 'kysely';
import type { Store } from '../store/index.js';
import type { CreatorKind, TimersTable, TriggersTable } from '../store/tables/triggers.js';

/** Who made a trigger or timer (and, for timers, whom they run as). */
export interface Creator {
  readonly kind: CreatorKind;
  readonly id: string;
}

const NAME_RE = /^[^/#+\s][^/#+]{0,127}$/;

/** Trigger and timer names become topic levels (`$timer/<name>`) and URL segments: keep them plain. */
export function assertValidName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME_RE.test(name) || name.includes('::') || name.trim() !== name) {
    throw new IsobarError('CB_ERR_TRIGGER_BAD_NAME', { name: String(name) });
  }
}

/** The stored rows of one kind: both tables are keyed by system and name. */
export interface RecordTable<Row> {
  /** All rows (load), or one system's (a cluster peer changed it). */
  rows(systemKey?: string): Promise<Row[]>;
  update(systemKey: string, name: string, changes: Updateable<Row>): Promise<void>;
  delete(systemKey: string, name: string): Promise<void>;
}

/** The triggers or timers table, for the registry of that kind. */
export function recordTable(store: Store, table: 'triggers'): RecordTable<TriggersTable>;
export function recordTable(store: Store, table: 'timers'): RecordTable<TimersTable>;
export function recordTable(
  store: Store,
  table: 'triggers' | 'timers',
): RecordTable<TriggersTable | TimersTable> {
  return {
    rows(systemKey) {
      const all = store.db.selectFrom(table).selectAll();
      return (systemKey === undefined ? all : all.where('system_key', '=', systemKey)).execute();
    },
    async update(systemKey, name, changes) {
      await store.db
        .updateTable(table)
        .set(changes)
        .where('system_key', '=', systemKey)
        .where('name', '=', name)
        .execute();
    },
    async delete(systemKey, name) {
      await store.db.deleteFrom(table).where('system_key', '=', systemKey).where('name', '=', name).execute();
    },
  };
}

/** The columns an update leaves as they were: the record's key and who created it when. */
export function keptColumns(record: {
  readonly systemKey: string;
  readonly name: string;
  readonly creator: Creator;
  readonly createdAt: number;
}) {
  return {
    system_key: record.systemKey,
    name: record.name,
    creator_kind: record.creator.kind,
    creator_id: record.creator.id,
    created_at: record.createdAt,
  };
}
