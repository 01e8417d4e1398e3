// The entries of the shared caches as the `cache.*` bridge ops use them: one asynchronous interface with
// two homes. One node keeps them in memory beside the definitions (caches.ts); a cluster keeps them in
// Redis (redis-entries.ts), because a cache is shared by every run of a system and runs land on any node.
import type { Caches } from './caches.js';

/** The entry operations of caches.ts under the names the bridge ops use (`get`, `delete`). */
interface EntryOperations {
  get: Caches['getEntry'];
  getAll: Caches['getAll'];
  set: Caches['set'];
  setMultiple: Caches['setMultiple'];
  delete: Caches['deleteEntry'];
  flush: Caches['flush'];
}

/** The same operations answering in a promise (the Redis home answers over the network). */
type Promised<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : never;
};

/** Entry operations on the caches of every system; every call first checks the cache is defined. */
export interface CacheEntries extends Promised<EntryOperations> {
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
