// Shared caches of every system on this node: definitions persisted in `service_caches` (migration 011),
// entries held in memory with a per-entry expiry. Entries are per node and are lost on restart — a cache is
// a cache (README "Decisions"); a second node rebuilds the definitions from the store and starts empty.
// Expiry is lazy (checked on read, swept before a set would hit the entry bound), so no timers run.
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { Clock } from '../kernel/clock.js';
import type { Store } from '../store/index.js';

/** The bounds of every cache (config `cache.*`). */
export interface CacheLimits {
  /** Characters of key + JSON value of one entry. */
  readonly maxValueBytes: number;
  readonly maxEntries: number;
  readonly maxPerSystem: number;
}

/** A cache definition as the meta routes show it. */
export interface CacheDefinition {
  readonly name: string;
  readonly description: string;
  /** Default seconds an entry lives; 0 = no expiry. */
  readonly ttl: number;
  readonly created_at: number;
}

interface Entry {
  /** The value's JSON text: copied in and out, never shared between runs. */
  readonly text: string;
  /** Epoch ms; 0 = never. */
  readonly expiresAt: number;
}

interface CacheState {
  def: CacheDefinition;
  readonly entries: Map<string, Entry>;
}

/** The caches of every system and the operations on their entries. */
export interface Caches {
  load(): Promise<void>;
  list(systemKey: string): CacheDefinition[];
  get(systemKey: string, name: string): CacheDefinition;
  create(
    systemKey: string,
    input: { name?: unknown; description?: unknown; ttl?: unknown },
  ): Promise<CacheDefinition>;
  update(
    systemKey: string,
    name: string,
    input: { description?: unknown; ttl?: unknown },
  ): Promise<CacheDefinition>;
  delete(systemKey: string, name: string): Promise<void>;
  dropSystem(systemKey: string): Promise<void>;
  /** The entry's JSON text, or undefined when absent or expired. */
  getEntry(systemKey: string, name: string, key: unknown): string | undefined;
  getAll(systemKey: string, name: string): Record<string, string>;
  /** Sets one entry; `onlyIfAbsent` (setnx) answers false when a live entry exists. `ttl` seconds overrides the default. */
  set(
    systemKey: string,
    name: string,
    key: unknown,
    text: string,
    ttl: unknown,
    onlyIfAbsent: boolean,
  ): boolean;
  /** All or nothing: a refused batch changes nothing. */
  setMultiple(
    systemKey: string,
    name: string,
    pairs: ReadonlyArray<readonly [string, string]>,
    ttl: unknown,
  ): void;
  deleteEntry(systemKey: string, name: string, key: unknown): void;
  flush(systemKey: string, name: string): void;
  /**
   * Cluster change feed: re-reads one system's definitions after another node changed them; a cache that
   * survives keeps its entries, a vanished one loses them.
   */
  reload(systemKey: string): Promise<void>;
  /**
   * Told after a definition was created, changed or deleted here and committed (`name` undefined: every
   * cache of the system went, with it); the change feed announces it, the Redis entries drop theirs.
   */
  onChanged(listener: (systemKey: string, name: string | undefined) => void): () => void;
}

const NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const MAX_KEY = 1024;

function bad(detail: string): IsobarError {
  return new IsobarError('CB_ERR_CACHE_BAD_INPUT', { detail });
}

/** Seconds as given (ttl), or the fallback when absent; refuses anything but whole seconds >= 0. */
function ttlSeconds(value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 315_360_000) {
    throw bad('ttl must be whole seconds between 0 and 315360000');
  }
  return n;
}

function keyOf(key: unknown): string {
  if (typeof key === 'number' && Number.isFinite(key)) return String(key);
  if (typeof key !== 'string' || key === '') throw bad('key must be a non-empty string');
  if (key.length > MAX_KEY) throw bad(`key longer than ${MAX_KEY} characters`);
  return key;
}

/** The definition of one stored row. */
function toDefinition(r: {
  name: string;
  description: string;
  ttl: number;
  created_at: number;
}): CacheDefinition {
  return { name: r.name, description: r.description, ttl: r.ttl, created_at: Number(r.created_at) };
}

/** Validates an entry key (a finite number or a non-empty string up to 1024 characters) and answers its text. */
export function cacheKeyOf(key: unknown): string {
  return keyOf(key);
}

/** The expiry in seconds of a set (`ttl` given, else the cache's default); refuses anything but whole seconds. */
export function cacheTtlOf(ttl: unknown, fallback: number): number {
  return ttlSeconds(ttl, fallback);
}

/** Refuses an entry whose key + JSON text is over the bound (config `cache.maxValueBytes`), wherever entries live. */
export function checkEntrySize(maxValueBytes: number, key: string, text: string): void {
  const size = key.length + text.length;
  if (size > maxValueBytes) {
    throw new IsobarError('CB_ERR_CACHE_VALUE_TOO_LARGE', { key, size, limit: maxValueBytes });
  }
}

/** Builds the node's caches over the store's definitions table. */
export function createCaches(limits: CacheLimits, deps: { store: Store; clock: Clock }): Caches {
  const systems = new Map<string, Map<string, CacheState>>();
  const listeners = new Set<(systemKey: string, name: string | undefined) => void>();
  const changed = (systemKey: string, name: string | undefined) => {
    for (const fn of listeners) fn(systemKey, name);
  };
  const { db } = deps.store;

  const systemCaches = (systemKey: string): Map<string, CacheState> => {
    let m = systems.get(systemKey);
    if (m === undefined) systems.set(systemKey, (m = new Map()));
    return m;
  };
  const state = (systemKey: string, name: string): CacheState => {
    const s = systems.get(systemKey)?.get(name);
    if (s === undefined) throw new IsobarError('CB_ERR_CACHE_UNKNOWN', { name });
    return s;
  };
  const live = (e: Entry | undefined, now: number): e is Entry =>
    e !== undefined && (e.expiresAt === 0 || e.expiresAt > now);
  const sweep = (s: CacheState, now: number): void => {
    for (const [k, e] of s.entries) if (!live(e, now)) s.entries.delete(k);
  };
  const check = (key: string, text: string): void => checkEntrySize(limits.maxValueBytes, key, text);
  const room = (s: CacheState, adding: number, now: number): void => {
    if (s.entries.size + adding <= limits.maxEntries) return;
    sweep(s, now);
    if (s.entries.size + adding > limits.maxEntries) {
      throw new IsobarError('CB_ERR_CACHE_FULL', { name: s.def.name, limit: limits.maxEntries });
    }
  };
  const expiry = (s: CacheState, ttl: unknown, now: number): number => {
    const seconds = ttlSeconds(ttl, s.def.ttl);
    return seconds === 0 ? 0 : now + seconds * 1000;
  };

  return {
    async load() {
      const rows = await db.selectFrom('service_caches').selectAll().execute();
      for (const r of rows)
        systemCaches(r.system_key).set(r.name, { def: toDefinition(r), entries: new Map() });
    },
    list: (systemKey) => [...(systems.get(systemKey)?.values() ?? [])].map((s) => s.def),
    get: (systemKey, name) => state(systemKey, name).def,
    async create(systemKey, input) {
      const name = input.name;
      if (typeof name !== 'string' || !NAME.test(name)) {
        throw bad('name must be 1-128 letters, digits, _ - or .');
      }
      const description = input.description === undefined ? '' : input.description;
      if (typeof description !== 'string') throw bad('description must be a string');
      const ttl = ttlSeconds(input.ttl, 0);
      const caches = systemCaches(systemKey);
      if (caches.has(name)) throw new IsobarError('CB_ERR_CACHE_EXISTS', { name });
      if (caches.size >= limits.maxPerSystem) {
        throw new IsobarError('CB_ERR_CACHE_TOO_MANY', { limit: limits.maxPerSystem });
      }
      const def: CacheDefinition = { name, description, ttl, created_at: deps.clock.now() };
      // Claimed in memory first so two concurrent creates cannot both pass the checks above.
      caches.set(name, { def, entries: new Map() });
      try {
        await db
          .insertInto('service_caches')
          .values({ system_key: systemKey, name, description, ttl, created_at: def.created_at })
          .execute();
      } catch (err) {
        caches.delete(name);
        throw err;
      }
      changed(systemKey, name);
      return def;
    },
    async update(systemKey, name, input) {
      const s = state(systemKey, name);
      const description = input.description === undefined ? s.def.description : input.description;
      if (typeof description !== 'string') throw bad('description must be a string');
      const ttl = ttlSeconds(input.ttl, s.def.ttl);
      await db
        .updateTable('service_caches')
        .set({ description, ttl })
        .where('system_key', '=', systemKey)
        .where('name', '=', name)
        .execute();
      s.def = { ...s.def, description, ttl };
      changed(systemKey, name);
      return s.def;
    },
    async delete(systemKey, name) {
      state(systemKey, name);
      await db
        .deleteFrom('service_caches')
        .where('system_key', '=', systemKey)
        .where('name', '=', name)
        .execute();
      systems.get(systemKey)?.delete(name);
      changed(systemKey, name);
    },
    async dropSystem(systemKey) {
      systems.delete(systemKey);
      await db.deleteFrom('service_caches').where('system_key', '=', systemKey).execute();
      changed(systemKey, undefined);
    },
    async reload(systemKey) {
      const rows = await db
        .selectFrom('service_caches')
        .selectAll()
        .where('system_key', '=', systemKey)
        .execute();
      const old = systems.get(systemKey);
      const fresh = new Map<string, CacheState>();
      for (const r of rows) {
        fresh.set(r.name, { def: toDefinition(r), entries: old?.get(r.name)?.entries ?? new Map() });
      }
      if (fresh.size === 0) systems.delete(systemKey);
      else systems.set(systemKey, fresh);
    },
    onChanged(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getEntry(systemKey, name, key) {
      const s = state(systemKey, name);
      const k = keyOf(key);
      const e = s.entries.get(k);
      if (live(e, deps.clock.now())) return e.text;
      if (e !== undefined) s.entries.delete(k);
      return undefined;
    },
    getAll(systemKey, name) {
      const s = state(systemKey, name);
      const now = deps.clock.now();
      const out: Record<string, string> = {};
      for (const [k, e] of s.entries) {
        if (live(e, now)) out[k] = e.text;
        else s.entries.delete(k);
      }
      return out;
    },
    set(systemKey, name, key, text, ttl, onlyIfAbsent) {
      const s = state(systemKey, name);
      const k = keyOf(key);
      check(k, text);
      const now = deps.clock.now();
      const current = s.entries.get(k);
      if (onlyIfAbsent && live(current, now)) return false;
      const expiresAt = expiry(s, ttl, now);
      if (current === undefined) room(s, 1, now);
      s.entries.set(k, { text, expiresAt });
      return true;
    },
    setMultiple(systemKey, name, pairs, ttl) {
      const s = state(systemKey, name);
      const now = deps.clock.now();
      const expiresAt = expiry(s, ttl, now);
      // All checked before any is written: a refused batch changes nothing.
      let adding = 0;
      for (const [k, text] of pairs) {
        check(keyOf(k), text);
        if (!s.entries.has(k)) adding++;
      }
      room(s, adding, now);
      for (const [k, text] of pairs) s.entries.set(k, { text, expiresAt });
    },
    deleteEntry(systemKey, name, key) {
      state(systemKey, name).entries.delete(keyOf(key));
    },
    flush(systemKey, name) {
      state(systemKey, name).entries.clear();
    },
  };
}
