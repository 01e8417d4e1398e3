// Collections as one platform component: the catalogue and item storage (api.ts), the REST routes, the
// `collection.*` bridge ops, and the role rights on collections (`collections` per item, by id or name,
// and `allcollections`; developers who own the system have every right).
import type { Identity } from '../identity/types.js';
import type { Component, ComponentBase } from '../kernel/component.js';
import {
  createCollectionsApi,
  COLLECTION_LIMITS,
  type Collection,
  type CollectionLimits,
  type CollectionsApi,
} from './api.js';
import { createCollectionOps } from './bridge-ops.js';
import { collectionRoutes } from './routes.js';

export interface CollectionsDeps extends ComponentBase {
  readonly identity: Pick<Identity, 'canUseSystem' | 'listLevel' | 'itemLevel'>;
}

export interface CollectionsComponent extends Component {
  readonly api: CollectionsApi;
}

/** Builds the collections component (loads the catalogue; no timers, nothing to start). */
export async function createCollections(
  deps: CollectionsDeps,
  limits: Partial<CollectionLimits> = {},
): Promise<CollectionsComponent> {
  const api = await createCollectionsApi(deps, { ...COLLECTION_LIMITS, ...limits });
  const { identity } = deps;
  const level = (actor: Parameters<Identity['listLevel']>[0], c: Collection): number =>
    identity.listLevel(actor, c.systemKey, 'allcollections') |
    identity.itemLevel(actor, c.systemKey, 'collections', c.id) |
    identity.itemLevel(actor, c.systemKey, 'collections', c.name);
  // A deleted system takes its collections (catalogue rows and item tables) with it; each drop is a
  // `collection.deleted` event as if its developer had deleted it.
  const log = deps.log.child({ component: 'collections' });
  const dropSystem = async (systemKey: string): Promise<void> => {
    for (const c of api.list(systemKey)) await api.remove(c);
  };
  const off = deps.events.on('system.deleted', ({ systemKey }) => {
    dropSystem(systemKey).catch((err: unknown) => {
      log.error('dropping the collections of a deleted system failed', { systemKey, err: String(err) });
    });
  });
  return {
    name: 'collections',
    api,
    close() {
      off();
      return Promise.resolve();
    },
    routes: [collectionRoutes(api, { canUseSystem: (p, sk) => identity.canUseSystem(p, sk), level })],
    ops: createCollectionOps(api, { level }),
  };
}
