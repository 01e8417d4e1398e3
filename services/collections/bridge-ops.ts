// The `collection.*` operations user code reaches through the bridge (ClearBlade.Collection, Query and
// Item in the prelude). Each resolves the collection in the service's own system and checks the rights
// of the identity the service runs as, the same bits the REST routes check.
import type { HostContext } from '../../engine/types.js';
import type { BridgeOp } from '../../runtime-api/bridge-ops.js';
import { PERM } from '../../runtime-api/constants.js';
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { Actor } from '../identity/types.js';
import type { OpHandler } from '../kernel/component.js';
import type { Collection, CollectionsApi } from './api.js';

type CollectionOp = Extract<BridgeOp, `collection.${string}`>;

/** What the ops ask beyond the API: the caller's permission bits on a collection. */
export interface CollectionOpsAccess {
  level(actor: Actor, c: Collection): number;
}

/** `{collectionID}`, `{collectionName}`, `{collection}` or an id string, as ClearBlade.Collection takes them. */
function resolve(api: CollectionsApi, systemKey: string, ref: unknown): Collection {
  if (typeof ref === 'string' && ref !== '') return api.byId(systemKey, ref);
  const o = typeof ref === 'object' && ref !== null ? (ref as Record<string, unknown>) : {};
  if (typeof o.collectionName === 'string' && o.collectionName !== '')
    return api.byName(systemKey, o.collectionName);
  for (const key of ['collectionID', 'collectionId', 'collection']) {
    const id = o[key];
    if (typeof id === 'string' && id !== '') return api.byId(systemKey, id);
  }
  throw new IsobarError('CB_ERR_DATA_UNKNOWN_COLLECTION', { collection: '(none given)' });
}

/** Builds the handlers for every `collection.*` op listed in runtime-api/bridge-ops.ts. */
export function createCollectionOps(
  api: CollectionsApi,
  access: CollectionOpsAccess,
): Record<CollectionOp, OpHandler> {
  const open = (ctx: HostContext, ref: unknown, bit: number, action: string): Collection => {
    const c = resolve(api, ctx.service.systemKey, ref);
    if ((access.level(ctx.runAs, c) & bit) === 0) {
      throw new IsobarError('CB_ERR_DATA_FORBIDDEN', { action, collection: c.name });
    }
    return c;
  };
  return {
    'collection.fetch': (ctx, [ref, query]) => api.fetch(open(ctx, ref, PERM.READ, 'read'), query),
    'collection.create': (ctx, [ref, items]) => api.insert(open(ctx, ref, PERM.CREATE, 'create'), items),
    'collection.update': (ctx, [ref, query, changes]) =>
      api.update(open(ctx, ref, PERM.UPDATE, 'update'), query, changes),
    'collection.remove': (ctx, [ref, query]) => api.removeItems(open(ctx, ref, PERM.DELETE, 'delete'), query),
    'collection.count': (ctx, [ref, query]) => api.count(open(ctx, ref, PERM.READ, 'read'), query),
    'collection.columns': (ctx, [ref]) => api.columns(open(ctx, ref, PERM.READ, 'read')),
  };
}
