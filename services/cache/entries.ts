// The entries of the shared caches as the `cache.*` bridge ops use them: one asynchronous interface with
// two homes. One node keeps them in memory beside the definitions (caches.ts); a cluster keeps them in
// Redis (redis-entries.ts), because a cache is shared by every run of a system and runs land on any node.
import type { Caches } from './caches.js';

/** Entry operations on the caches of every system; every call first checks the cache is defined. */
export interface CacheEntries {
  /** The entry's JSON text, or undefined when absent or expired. */
  get(systemKey: string, name: string, key: unknown): Promise<string | undefined>;
  getAll(systemKey: string, name: string): Promise<Record<string, string>>;
  /** Sets one entry; `onlyIfAbsent` (setnx) answers false when a live entry exists. `ttl` seconds overrides the default. */
  set(
    systemKey: string,
    name: string,
    key: unknown,
    text: string,
    ttl: unknown,
    onlyIfAbsent: boolean,
  ): Promise<boolean>;
  /** All or nothing: a refused batch changes nothing. */
  setMultiple(
    systemKey: string,
    name: string,
    pairs: ReadonlyArray<readonly [string, string]>,
    ttl: unknown,
  ): Promise<void>;
  delete(systemKey: string, name: string, key: unknown): Promise<void>;
  flush(systemKey: string, name: string): Promise<void>;
  close(): Promise<void>;
}

/** The entries of one node: the in-memory maps of caches.ts behind the asynchronous interface. */
export function memoryEntries(caches: Caches): CacheEntries {
  return {
    get: async (systemKey, name, key) => caches.getEntry(systemKey, name, key),
    getAll: async (systemKey, name) => caches.getAll(systemKey, name),
    set: async (systemKey, name, key, text, ttl, onlyIfAbsent) =>
      caches.set(systemKey, name, key, text, ttl, onlyIfAbsent),
    setMultiple: async (systemKey, name, pairs, ttl) => caches.setMultiple(systemKey, name, pairs, ttl),
    delete: async (systemKey, name, key) => caches.deleteEntry(systemKey, name, key),
    flush: async (systemKey, name) => caches.flush(systemKey, name),
    close: async () => undefined,
  };
}
