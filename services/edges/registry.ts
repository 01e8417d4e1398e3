// The platform's list of edges per system: generated edge tokens (stored hashed), and connection state.
// Every lookup on a hot path (an edge's MQTT CONNECT, a relayed message naming an edge) answers from
// memory; the cache is filled by `load()` and kept in step by every write.
import { createHash, randomBytes } from 'node:crypto';
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { Clock } from '../kernel/clock.js';
import type { Store } from '../store/index.js';
import type { EdgesTable } from '../store/tables/edges.js';

/** An edge as REST shows it (ClearBlade's edge record fields, reference §9). */
export interface EdgeRecord {
  readonly name: string;
  readonly edge_key: string;
  readonly system_key: string;
  readonly description: string;
  readonly isConnected: boolean;
  readonly created_at: number;
  readonly first_talked: number | null;
  readonly last_talked: number | null;
  /** Epoch ms of the last message or connection change seen from the edge; null when never seen. */
  readonly last_seen: number | null;
}

/** Who an edge token belongs to. */
export interface EdgeRef {
  readonly systemKey: string;
  readonly name: string;
}

export interface EdgeRegistry {
  /** Fills the memory cache from the database; every edge starts disconnected. */
  load(): Promise<void>;
  /** Registers an edge and returns its token, which is shown only here. */
  create(systemKey: string, name: string, description?: string): Promise<EdgeRecord & { token: string }>;
  list(systemKey: string): EdgeRecord[];
  /** The edge, or throws CB_ERR_EDGE_UNKNOWN. */
  get(systemKey: string, name: string): EdgeRecord;
  has(systemKey: string, name: string): boolean;
  names(systemKey: string): string[];
  /** Changes the description and/or issues a new token (the old one stops working). */
  update(
    systemKey: string,
    name: string,
    changes: { description?: string; resetToken?: boolean },
  ): Promise<EdgeRecord & { token?: string }>;
  delete(systemKey: string, name: string): Promise<void>;
  /** sync. The edge a token belongs to, or undefined when no edge has it. */
  byToken(token: string): EdgeRef | undefined;
  /** Records that the edge connected or went away. */
  setConnected(systemKey: string, name: string, connected: boolean): Promise<void>;
  /** Records traffic from the edge (memory only; cheap on every message). */
  touch(systemKey: string, name: string): void;
  /** Called after every change of the edge list or of a connection state. */
  onChange(listener: (systemKey: string, name: string) => void): () => void;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Throws CB_ERR_EDGE_BAD_NAME unless `name` can be one topic level and one URL segment. */
export function checkEdgeName(name: string): void {
  if (!NAME.test(name)) throw new IsobarError('CB_ERR_EDGE_BAD_NAME', { name });
}

/** sha256 hex of an edge token; the only form in which tokens are kept. */
export function hashEdgeToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

interface Entry {
  row: EdgesTable;
  connected: boolean;
  lastSeen: number | null;
}

const key = (systemKey: string, name: string) => `${systemKey}\u0000${name}`;

/** Creates the registry over the store; call `load()` before use. */
export function createEdgeRegistry(deps: { store: Store; clock: Clock }): EdgeRegistry {
  const { store, clock } = deps;
  const entries = new Map<string, Entry>();
  const byHash = new Map<string, EdgeRef>();
  const listeners = new Set<(systemKey: string, name: string) => void>();
  const changed = (systemKey: string, name: string) => {
    for (const l of listeners) l(systemKey, name);
  };
  const record = (e: Entry): EdgeRecord => ({
    name: e.row.name,
    edge_key: `${e.row.system_key}:${e.row.name}`,
    system_key: e.row.system_key,
    description: e.row.description,
    isConnected: e.connected,
    created_at: e.row.created_at,
    first_talked: e.row.first_talked,
    last_talked: e.row.last_talked,
    last_seen: e.lastSeen ?? e.row.last_talked,
  });
  const entry = (systemKey: string, name: string): Entry => {
    const e = entries.get(key(systemKey, name));
    if (e === undefined) throw new IsobarError('CB_ERR_EDGE_UNKNOWN', { name });
    return e;
  };
  const newToken = () => randomBytes(24).toString('base64url');

  return {
    async load() {
      entries.clear();
      byHash.clear();
      for (const row of await store.db.selectFrom('edges').selectAll().execute()) {
        entries.set(key(row.system_key, row.name), { row, connected: false, lastSeen: null });
        byHash.set(row.token_hash, { systemKey: row.system_key, name: row.name });
      }
    },
    async create(systemKey, name, description = '') {
      checkEdgeName(name);
      if (entries.has(key(systemKey, name))) throw new IsobarError('CB_ERR_EDGE_EXISTS', { name });
      const token = newToken();
      const row: EdgesTable = {
        system_key: systemKey,
        name,
        token_hash: hashEdgeToken(token),
        description,
        created_at: clock.now(),
        first_talked: null,
        last_talked: null,
      };
      await store.db.insertInto('edges').values(row).execute();
      const e: Entry = { row, connected: false, lastSeen: null };
      entries.set(key(systemKey, name), e);
      byHash.set(row.token_hash, { systemKey, name });
      changed(systemKey, name);
      return { ...record(e), token };
    },
    list(systemKey) {
      return [...entries.values()]
        .filter((e) => e.row.system_key === systemKey)
        .map(record)
        .sort((a, b) => a.name.localeCompare(b.name));
    },
    get: (systemKey, name) => record(entry(systemKey, name)),
    has: (systemKey, name) => entries.has(key(systemKey, name)),
    names(systemKey) {
      return [...entries.values()].filter((e) => e.row.system_key === systemKey).map((e) => e.row.name);
    },
    async update(systemKey, name, changes) {
      const e = entry(systemKey, name);
      const token = changes.resetToken === true ? newToken() : undefined;
      const row: EdgesTable = {
        ...e.row,
        description: changes.description ?? e.row.description,
        token_hash: token === undefined ? e.row.token_hash : hashEdgeToken(token),
      };
      await store.db
        .updateTable('edges')
        .set({ description: row.description, token_hash: row.token_hash })
        .where('system_key', '=', systemKey)
        .where('name', '=', name)
        .execute();
      byHash.delete(e.row.token_hash);
      byHash.set(row.token_hash, { systemKey, name });
      e.row = row;
      changed(systemKey, name);
      return token === undefined ? record(e) : { ...record(e), token };
    },
    async delete(systemKey, name) {
      const e = entry(systemKey, name);
      await store.db
        .deleteFrom('edges')
        .where('system_key', '=', systemKey)
        .where('name', '=', name)
        .execute();
      entries.delete(key(systemKey, name));
      byHash.delete(e.row.token_hash);
      changed(systemKey, name);
    },
    byToken: (token) => byHash.get(hashEdgeToken(token)),
    async setConnected(systemKey, name, connected) {
      const e = entries.get(key(systemKey, name));
      if (e === undefined || e.connected === connected) return;
      const now = clock.now();
      e.connected = connected;
      e.lastSeen = now;
      e.row = { ...e.row, first_talked: e.row.first_talked ?? now, last_talked: now };
      changed(systemKey, name);
      await store.db
        .updateTable('edges')
        .set({ first_talked: e.row.first_talked, last_talked: now })
        .where('system_key', '=', systemKey)
        .where('name', '=', name)
        .execute();
    },
    touch(systemKey, name) {
      const e = entries.get(key(systemKey, name));
      if (e !== undefined) e.lastSeen = clock.now();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

/**
 * Creates and loads the registry early, so the broker slot can authenticate edges with it
 * (`withEdgeAuth(brokerAuth, registry)`) before the edges component is built.
 */
export async function loadEdgeRegistry(deps: { store: Store; clock: Clock }): Promise<EdgeRegistry> {
  const registry = createEdgeRegistry(deps);
  await registry.load();
  return registry;
}
