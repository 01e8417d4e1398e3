// Shared caches as one platform component: the definitions (store) and entries of every system's caches,
// the developer's meta routes and the `cache.*` bridge ops behind ClearBlade.Cache. Entries live in memory
// on one node and in Redis in cluster mode (a cache is shared by every run of a system, on any node).
import { Redis } from 'ioredis';
import { reportErrors } from '../../broker/cluster-redis.js';
import type { Component, ComponentBase } from '../kernel/component.js';
import { createCacheOps, type CacheAccess } from './bridge-ops.js';
import { createCaches, type Caches } from './caches.js';
import { memoryEntries, type CacheEntries } from './entries.js';
import { dropCache, redisEntries } from './redis-entries.js';
import { cacheRoutes } from './routes.js';

export interface CacheComponent extends Component {
  readonly caches: Caches;
  /** Where `ClearBlade.Cache` reads and writes: memory on one node, Redis in cluster mode. */
  readonly entries: CacheEntries;
}

/** Builds the cache component and loads the cache definitions (and connects to Redis in cluster mode). */
export async function createCacheComponent(
  base: ComponentBase,
  deps: { readonly access: CacheAccess },
): Promise<CacheComponent> {
  const caches = createCaches(base.config.cache, { store: base.store, clock: base.clock });
  await caches.load();
  const log = base.log.child({ component: 'cache' });
  const offs: Array<() => void> = [];
  let entries = memoryEntries(caches);
  const { cluster } = base.config;
  if (cluster.enabled && cluster.redisUrl !== undefined) {
    // One command connection for the room `isobar:cache:` (x-cluster plan: one per room at most).
    const redis = new Redis(cluster.redisUrl, {
      lazyConnect: true,
      connectionName: `isobar:${cluster.nodeId}:cache`,
    });
    reportErrors(redis, log, 'cache');
    await redis.connect();
    entries = redisEntries(redis, caches, base.config.cache, base.clock);
    // A deleted definition takes its entries with it, so a cache created again under that name starts empty.
    offs.push(
      caches.onChanged((systemKey, name) => {
        if (name !== undefined && caches.list(systemKey).some((d) => d.name === name)) return;
        dropCache(redis, systemKey, name).catch((err: unknown) => {
          log.error('dropping the entries of a deleted cache failed', { systemKey, name, err: String(err) });
        });
      }),
    );
  }
  offs.push(
    base.events.on('system.deleted', ({ systemKey }) => {
      caches.dropSystem(systemKey).catch((err: unknown) => {
        log.error('dropping the caches of a deleted system failed', { systemKey, err: String(err) });
      });
    }),
  );
  const active = entries;
  return {
    name: 'cache',
    caches,
    entries: active,
    routes: [cacheRoutes(caches)],
    ops: createCacheOps(active, deps.access),
    async close() {
      for (const off of offs.splice(0)) off();
      await active.close();
    },
  };
}
