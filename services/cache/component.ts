// Shared caches as one platform component: the definitions (store) and entries (memory) of every
// system's caches, the developer's meta routes and the `cache.*` bridge ops behind ClearBlade.Cache.
import type { Component, ComponentBase } from '../kernel/component.js';
import { createCacheOps, type CacheAccess } from './bridge-ops.js';
import { createCaches, type Caches } from './caches.js';
import { cacheRoutes } from './routes.js';

export interface CacheComponent extends Component {
  readonly caches: Caches;
}

/** Builds the cache component and loads the cache definitions. */
export async function createCacheComponent(
  base: ComponentBase,
  deps: { readonly access: CacheAccess },
): Promise<CacheComponent> {
  const caches = createCaches(base.config.cache, { store: base.store, clock: base.clock });
  await caches.load();
  const log = base.log.child({ component: 'cache' });
  const off = base.events.on('system.deleted', ({ systemKey }) => {
    caches.dropSystem(systemKey).catch((err: unknown) => {
      log.error('dropping the caches of a deleted system failed', { systemKey, err: String(err) });
    });
  });
  return {
    name: 'cache',
    caches,
    routes: [cacheRoutes(caches)],
    ops: createCacheOps(caches, deps.access),
    close() {
      off();
      return Promise.resolve();
    },
  };
}
