// Per-system history settings: which topics are stored with which bounds (`/storage`) and the
// system-wide auto-delete (`/autodelete`). Held in memory because capture consults them on every publish.
import { IsobarError } from '../../runtime-api/errors/index.js';
import { filterProblem, topicMatches } from '../../runtime-api/topics.js';
import type { Store } from '../store/index.js';

/** One entry of `/storage` (reference §7.1); `max_rows`/`max_time` (seconds) of 0 mean unbounded. */
export interface StorageFilter {
  readonly topic: string;
  readonly max_rows: number;
  readonly max_time: number;
  /** Carried for ClearBlade clients that send them; this single-node platform stores on the platform. */
  readonly edge?: boolean;
  readonly platform?: boolean;
}

/** `/autodelete` (reference §7.1); zero limits are off. */
export interface AutoDelete {
  readonly enabled: boolean;
  readonly max_size_kb: number;
  readonly max_rows: number;
  readonly expiration_age_seconds: number;
}

export const AUTODELETE_OFF: AutoDelete = Object.freeze({
  enabled: false,
  max_size_kb: 0,
  max_rows: 0,
  expiration_age_seconds: 0,
});

/** Settings of every system, in memory, written through to the store. */
export interface HistorySettings {
  /** Reads every system's settings; call once before capture starts. */
  load(): Promise<void>;
  /** The system's storage filters (the default list when never configured). */
  storage(systemKey: string): readonly StorageFilter[];
  autodelete(systemKey: string): AutoDelete;
  setStorage(systemKey: string, filters: readonly StorageFilter[]): Promise<readonly StorageFilter[]>;
  setAutodelete(systemKey: string, value: AutoDelete): Promise<AutoDelete>;
  /** sync, hot path: the first storage filter matching `topic`, or undefined when it is not stored. */
  filterFor(systemKey: string, topic: string): StorageFilter | undefined;
  /** Forgets a deleted system. */
  drop(systemKey: string): Promise<void>;
  /** Grows on every change: callers caching `filterFor` answers compare it. */
  readonly version: number;
  /**
   * Cluster change feed: re-reads one system's settings after another node changed them (built aside,
   * swapped in at once, so capture never sees half of them).
   */
  reload(systemKey: string): Promise<void>;
  /** Told the system after its settings changed here and were committed (the change feed announces it). */
  onChanged(listener: (systemKey: string) => void): () => void;
}

const TOPIC_CACHE_LIMIT = 10_000;

interface Entry {
  storage: readonly StorageFilter[];
  autodelete: AutoDelete;
  /** topic → index into storage, -1 = not stored. */
  readonly matches: Map<string, number>;
}

/** Builds the settings holder; `defaultMaxRows` bounds every topic of a system that never configured storage. */
export function createHistorySettings(
  options: { defaultMaxRows: number },
  deps: { store: Store },
): HistorySettings {
  const defaults: readonly StorageFilter[] = Object.freeze([
    Object.freeze({ topic: '#', max_rows: options.defaultMaxRows, max_time: 0 }),
  ]);
  const entries = new Map<string, Entry>();
  const listeners = new Set<(systemKey: string) => void>();
  const changed = (systemKey: string) => {
    for (const fn of listeners) fn(systemKey);
  };
  let version = 0;
  const entry = (systemKey: string): Entry => {
    let e = entries.get(systemKey);
    if (e === undefined) {
      e = { storage: defaults, autodelete: AUTODELETE_OFF, matches: new Map() };
      entries.set(systemKey, e);
    }
    return e;
  };
  const save = async (systemKey: string, storage: string | null, autodelete: string | null) => {
    await deps.store.db
      .insertInto('history_settings')
      .values({ system_key: systemKey, storage, autodelete })
      .onConflict((oc) => oc.column('system_key').doUpdateSet({ storage, autodelete }))
      .execute();
  };
  const json = (systemKey: string) => {
    const e = entries.get(systemKey);
    return {
      storage: e === undefined || e.storage === defaults ? null : JSON.stringify(e.storage),
      autodelete: e === undefined || e.autodelete === AUTODELETE_OFF ? null : JSON.stringify(e.autodelete),
    };
  };
  return {
    get version() {
      return version;
    },
    async load() {
      const rows = await deps.store.db.selectFrom('history_settings').selectAll().execute();
      for (const row of rows) {
        const e = entry(row.system_key);
        if (row.storage !== null) e.storage = Object.freeze(JSON.parse(row.storage) as StorageFilter[]);
        if (row.autodelete !== null) e.autodelete = Object.freeze(JSON.parse(row.autodelete) as AutoDelete);
        version++;
      }
    },
    storage: (systemKey) => entries.get(systemKey)?.storage ?? defaults,
    autodelete: (systemKey) => entries.get(systemKey)?.autodelete ?? AUTODELETE_OFF,
    async setStorage(systemKey, filters) {
      const clean = Object.freeze(validateStorage(filters));
      const e = entry(systemKey);
      e.storage = clean;
      e.matches.clear();
      version++;
      const j = json(systemKey);
      await save(systemKey, JSON.stringify(clean), j.autodelete);
      changed(systemKey);
      return clean;
    },
    async setAutodelete(systemKey, value) {
      const clean = Object.freeze(validateAutodelete(value));
      entry(systemKey).autodelete = clean;
      const j = json(systemKey);
      await save(systemKey, j.storage, JSON.stringify(clean));
      changed(systemKey);
      return clean;
    },
    filterFor(systemKey, topic) {
      const e = entries.get(systemKey);
      if (e === undefined) return topicMatches('#', topic) ? defaults[0] : undefined;
      let i = e.matches.get(topic);
      if (i === undefined) {
        i = e.storage.findIndex((f) => topicMatches(f.topic, topic));
        if (e.matches.size >= TOPIC_CACHE_LIMIT) e.matches.clear();
        e.matches.set(topic, i);
      }
      return i < 0 ? undefined : e.storage[i];
    },
    async drop(systemKey) {
      entries.delete(systemKey);
      version++;
      await deps.store.db.deleteFrom('history_settings').where('system_key', '=', systemKey).execute();
      changed(systemKey);
    },
    async reload(systemKey) {
      const row = await deps.store.db
        .selectFrom('history_settings')
        .selectAll()
        .where('system_key', '=', systemKey)
        .executeTakeFirst();
      version++;
      if (row === undefined) {
        entries.delete(systemKey);
        return;
      }
      entries.set(systemKey, {
        storage: row.storage === null ? defaults : Object.freeze(JSON.parse(row.storage) as StorageFilter[]),
        autodelete:
          row.autodelete === null ? AUTODELETE_OFF : Object.freeze(JSON.parse(row.autodelete) as AutoDelete),
        matches: new Map(),
      });
    },
    onChanged(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function count(value: unknown, field: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (n === undefined || n === null) return 0;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new IsobarError('CB_ERR_HISTORY_BAD_SETTINGS', {
      detail: `${field} must be a non-negative integer`,
    });
  }
  return n;
}

/** Checks a `/storage` body: valid MQTT filters, non-negative integer bounds. */
export function validateStorage(filters: readonly StorageFilter[]): StorageFilter[] {
  if (!Array.isArray(filters)) {
    throw new IsobarError('CB_ERR_HISTORY_BAD_SETTINGS', {
      detail: 'expected an array of {topic, max_rows, max_time}',
    });
  }
  return filters.map((f, i) => {
    const topic = (f as { topic?: unknown }).topic;
    const problem = typeof topic === 'string' ? filterProblem(topic) : 'topic is required';
    if (problem !== undefined) {
      throw new IsobarError('CB_ERR_HISTORY_BAD_SETTINGS', { detail: `entry ${i}: ${problem}` });
    }
    const out: StorageFilter = {
      topic: topic as string,
      max_rows: count(f.max_rows, `entry ${i}: max_rows`),
      max_time: count(f.max_time, `entry ${i}: max_time`),
      ...(typeof f.edge === 'boolean' ? { edge: f.edge } : {}),
      ...(typeof f.platform === 'boolean' ? { platform: f.platform } : {}),
    };
    return Object.freeze(out);
  });
}

/** Checks an `/autodelete` body. */
export function validateAutodelete(value: AutoDelete): AutoDelete {
  if (typeof value !== 'object' || value === null) {
    throw new IsobarError('CB_ERR_HISTORY_BAD_SETTINGS', { detail: 'expected an object' });
  }
  return {
    enabled: value.enabled === true,
    max_size_kb: count(value.max_size_kb, 'max_size_kb'),
    max_rows: count(value.max_rows, 'max_rows'),
    expiration_age_seconds: count(value.expiration_age_seconds, 'expiration_age_seconds'),
  };
}
