// Deployment of assets (services, libraries, triggers, timers) from a platform to its edges.
//
// The platform keeps, per edge, the list of deployed assets (`/admin/edges/sync/{sk}/{edge}`). Whenever
// that list changes, and whenever the edge says hello, the platform sends the edge a manifest: every
// deployed asset with its definition and a hash. The edge applies what differs from what it applied last
// (dependencies first: libraries, services, triggers, timers), removes what is no longer listed, and
// reports each result; the platform turns the reports into `$notification/sync/status` and
// `$notification/sync/error`. An edge offline during a deployment gets the manifest when it reconnects.
import { createHash } from 'node:crypto';
import { IsobarError, isIsobarError } from '../../runtime-api/errors/index.js';
import type { Clock } from '../kernel/clock.js';
import type { Log } from '../kernel/log.js';
import type { Store } from '../store/index.js';
import { ASSET_CLASSES, type AssetClass, type SyncNotifier } from './notifications.js';
import type { EdgeRegistry } from './registry.js';

/** How one class of asset is read on the platform and written on an edge. */
export interface AssetAdapter {
  /** The definition sent to edges; throws (CB_ERR_EDGE_ASSET_UNKNOWN or the area's code) when missing. */
  export(systemKey: string, id: string): Promise<Record<string, unknown>>;
  /** Creates or updates the asset on the edge; answers whether it existed before. */
  apply(systemKey: string, id: string, definition: Record<string, unknown>): Promise<'create' | 'update'>;
  remove(systemKey: string, id: string): Promise<void>;
}

export type AssetAdapters = Partial<Record<AssetClass, AssetAdapter>>;

export interface AssetRef {
  readonly asset_class: AssetClass;
  readonly asset_id: string;
}

export interface ManifestItem extends AssetRef {
  readonly hash: string;
  readonly definition: Record<string, unknown>;
}

/** What the edge reports per asset. */
export interface ApplyResult extends AssetRef {
  readonly event: 'create' | 'update' | 'delete';
  readonly ok: boolean;
  readonly message?: string;
}

const ORDER: Record<AssetClass, number> = { library: 0, service: 1, trigger: 2, timer: 3 };
const ALIASES: Record<string, AssetClass> = { code: 'service', services: 'service', libraries: 'library' };

/** Reads one `add`/`remove` item: `{asset_class, asset_id}` or ClearBlade's `{def_module, def_name}`. */
export function assetRef(item: unknown): AssetRef {
  const o = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
  const rawClass = String(o.asset_class ?? o.def_module ?? '').toLowerCase();
  const assetClass = ALIASES[rawClass] ?? rawClass;
  const id = o.asset_id ?? o.def_name;
  if (!(ASSET_CLASSES as readonly string[]).includes(assetClass)) {
    throw new IsobarError('CB_ERR_EDGE_BAD_ASSET', {
      detail: `asset_class must be one of ${ASSET_CLASSES.join(', ')}`,
    });
  }
  if (typeof id !== 'string' || id === '') {
    throw new IsobarError('CB_ERR_EDGE_BAD_ASSET', { detail: 'asset_id must be a non-empty string' });
  }
  return { asset_class: assetClass as AssetClass, asset_id: id };
}

const hashOf = (definition: unknown) => createHash('sha256').update(JSON.stringify(definition)).digest('hex');
const byOrder = (a: AssetRef, b: AssetRef) =>
  ORDER[a.asset_class] - ORDER[b.asset_class] || a.asset_id.localeCompare(b.asset_id);

export interface Deployments {
  list(systemKey: string, edge: string): Promise<AssetRef[]>;
  /** Adds and removes deployed assets of an edge, then sends it the new manifest. */
  sync(
    systemKey: string,
    edge: string,
    changes: { add?: unknown[]; remove?: unknown[] },
  ): Promise<AssetRef[]>;
  /** Sends the edge its manifest (on hello, after a sync). */
  push(systemKey: string, edge: string): Promise<void>;
  /** Sends a fresh manifest to every edge the asset is deployed to (after the asset changed). */
  assetChanged(systemKey: string, assetClass: AssetClass, assetId: string): Promise<void>;
  /** Turns an edge's report into a sync notification. */
  report(systemKey: string, edge: string, result: ApplyResult): Promise<void>;
}

/** Platform side of deployments. */
export function createDeployments(deps: {
  store: Store;
  clock: Clock;
  log: Log;
  registry: EdgeRegistry;
  adapters: AssetAdapters;
  notifier: SyncNotifier;
  send: (systemKey: string, edge: string, op: 'deploy', body: { assets: ManifestItem[] }) => Promise<void>;
}): Deployments {
  const { store, clock, registry, adapters, notifier } = deps;
  const adapter = (c: AssetClass): AssetAdapter => {
    const a = adapters[c];
    if (a === undefined)
      throw new IsobarError('CB_ERR_EDGE_BAD_ASSET', { detail: `${c} cannot be deployed here` });
    return a;
  };
  const list = async (systemKey: string, edge: string): Promise<AssetRef[]> => {
    const rows = await store.db
      .selectFrom('edge_deployments')
      .select(['asset_class', 'asset_id'])
      .where('system_key', '=', systemKey)
      .where('edge', '=', edge)
      .execute();
    return rows
      .map((r) => ({ asset_class: r.asset_class as AssetClass, asset_id: r.asset_id }))
      .sort(byOrder);
  };
  const push = async (systemKey: string, edge: string) => {
    const assets: ManifestItem[] = [];
    for (const ref of await list(systemKey, edge)) {
      try {
        const definition = await adapter(ref.asset_class).export(systemKey, ref.asset_id);
        assets.push({ ...ref, definition, hash: hashOf(definition) });
      } catch (err) {
        const error = `${ref.asset_class} ${ref.asset_id}: ${isIsobarError(err) ? err.message : String(err)}`;
        await notifier.genericError(systemKey, { table: `${ref.asset_class}s`, error });
      }
    }
    await deps.send(systemKey, edge, 'deploy', { assets });
  };
  return {
    list,
    async sync(systemKey, edge, changes) {
      if (!registry.has(systemKey, edge)) {
        await notifier.genericError(systemKey, { table: 'edges', error: `No edge named ${edge}` });
        throw new IsobarError('CB_ERR_EDGE_UNKNOWN', { name: edge });
      }
      const add = (changes.add ?? []).map(assetRef);
      const remove = (changes.remove ?? []).map(assetRef);
      for (const ref of add) await adapter(ref.asset_class).export(systemKey, ref.asset_id);
      await store.transaction(async (trx) => {
        for (const ref of remove) {
          await trx
            .deleteFrom('edge_deployments')
            .where('system_key', '=', systemKey)
            .where('edge', '=', edge)
            .where('asset_class', '=', ref.asset_class)
            .where('asset_id', '=', ref.asset_id)
            .execute();
        }
        for (const ref of add) {
          await trx
            .insertInto('edge_deployments')
            .values({ system_key: systemKey, edge, ...ref, added_at: clock.now() })
            .onConflict((oc) => oc.doNothing())
            .execute();
        }
      });
      await push(systemKey, edge);
      return list(systemKey, edge);
    },
    push,
    async assetChanged(systemKey, assetClass, assetId) {
      const rows = await store.db
        .selectFrom('edge_deployments')
        .select('edge')
        .where('system_key', '=', systemKey)
        .where('asset_class', '=', assetClass)
        .where('asset_id', '=', assetId)
        .execute();
      for (const { edge } of rows) await push(systemKey, edge);
    },
    async report(systemKey, edge, result) {
      if (result.ok) {
        const status = result.event === 'delete' ? 'removed' : 'success';
        await notifier.status(systemKey, {
          asset_class: result.asset_class,
          asset_id: result.asset_id,
          edge,
          status,
        });
        return;
      }
      await notifier.error(systemKey, {
        asset_class: result.asset_class,
        asset_id: result.asset_id,
        edge,
        originator: 'platform',
        destination: edge,
        message: result.message ?? 'failed',
        event: result.event,
        timestamp: new Date(clock.now()).toISOString(),
      });
    },
  };
}

/** Edge side: applies manifests one at a time, in order, and reports each asset's result. */
export function createDeployApplier(deps: {
  store: Store;
  clock: Clock;
  log: Log;
  systemKey: string;
  edgeName: string;
  adapters: AssetAdapters;
  report: (result: ApplyResult) => void;
}): { apply(manifest: unknown): Promise<void> } {
  const { store, clock, log, systemKey, adapters } = deps;
  let queue: Promise<void> = Promise.resolve();

  const applyOne = async (item: ManifestItem, previous: string | undefined) => {
    const adapter = adapters[item.asset_class];
    const event = previous === undefined ? 'create' : 'update';
    try {
      if (adapter === undefined) throw new Error(`${item.asset_class} cannot be deployed to this edge`);
      await adapter.apply(systemKey, item.asset_id, item.definition);
      await store.db
        .insertInto('edge_applied')
        .values({
          system_key: systemKey,
          asset_class: item.asset_class,
          asset_id: item.asset_id,
          hash: item.hash,
          applied_at: clock.now(),
        })
        .onConflict((oc) =>
          oc
            .columns(['system_key', 'asset_class', 'asset_id'])
            .doUpdateSet({ hash: item.hash, applied_at: clock.now() }),
        )
        .execute();
      deps.report({ asset_class: item.asset_class, asset_id: item.asset_id, event, ok: true });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log.warn('deployment failed on the edge', {
        asset: `${item.asset_class}/${item.asset_id}`,
        err: message,
        code: 'CB_ERR_EDGE_APPLY_FAILED',
      });
      deps.report({ asset_class: item.asset_class, asset_id: item.asset_id, event, ok: false, message });
    }
  };

  const removeOne = async (ref: AssetRef) => {
    try {
      await adapters[ref.asset_class]?.remove(systemKey, ref.asset_id);
      await store.db
        .deleteFrom('edge_applied')
        .where('system_key', '=', systemKey)
        .where('asset_class', '=', ref.asset_class)
        .where('asset_id', '=', ref.asset_id)
        .execute();
      deps.report({ ...ref, event: 'delete', ok: true });
    } catch (err) {
      deps.report({
        ...ref,
        event: 'delete',
        ok: false,
        message: err instanceof Error ? err.message : String(err),
      });
    }
  };

  const run = async (manifest: unknown) => {
    const raw = (manifest as { assets?: unknown } | null)?.assets;
    if (!Array.isArray(raw)) {
      log.warn('deployment manifest without assets', {});
      return;
    }
    const items: ManifestItem[] = [];
    for (const entry of raw as Array<Record<string, unknown>>) {
      try {
        const ref = assetRef(entry);
        const definition = entry.definition;
        if (typeof definition !== 'object' || definition === null) continue;
        items.push({ ...ref, hash: String(entry.hash), definition: definition as Record<string, unknown> });
      } catch {
        continue;
      }
    }
    items.sort(byOrder);
    const applied = await store.db
      .selectFrom('edge_applied')
      .selectAll()
      .where('system_key', '=', systemKey)
      .execute();
    const known = new Map(applied.map((r) => [`${r.asset_class}/${r.asset_id}`, r.hash]));
    for (const item of items) {
      const previous = known.get(`${item.asset_class}/${item.asset_id}`);
      if (previous !== item.hash) await applyOne(item, previous);
    }
    const listed = new Set(items.map((i) => `${i.asset_class}/${i.asset_id}`));
    const gone = applied
      .filter((r) => !listed.has(`${r.asset_class}/${r.asset_id}`))
      .map((r) => ({ asset_class: r.asset_class as AssetClass, asset_id: r.asset_id }))
      .sort(byOrder)
      .reverse();
    for (const ref of gone) await removeOne(ref);
  };

  return {
    apply(manifest) {
      const next = queue.then(() => run(manifest));
      queue = next.catch((err: unknown) => log.error('deployment manifest failed', { err: String(err) }));
      return next;
    },
  };
}
