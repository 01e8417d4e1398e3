// The `cache.*` operations behind `ClearBlade.Cache(name)` (reference §3.7; native-libraries clearblade.md
// "Cache"). Each checks the `servicecaches` right on the named cache of the identity the service runs as,
// and answers what ClearBlade's callbacks receive ("Set done", true/false for setnx, the value, …).
// A refusal reaches the callback as "<CODE>: message" so a service can branch on the stable code.
import type { HostContext } from '../../engine/types.js';
import type { BridgeOp } from '../../runtime-api/bridge-ops.js';
import { PERM } from '../../runtime-api/constants.js';
import { IsobarError, isIsobarError } from '../../runtime-api/errors/index.js';
import type { Actor } from '../identity/types.js';
import type { OpHandler } from '../kernel/component.js';
import type { CacheEntries } from './entries.js';

type CacheOp = Extract<BridgeOp, `cache.${string}`>;

/** What the ops ask of identity: the `servicecaches` bits of one cache (developers 15). */
export interface CacheAccess {
  itemLevel(principal: Actor, systemKey: string, key: string, name: string): number;
}

const parse = (text: string): unknown => JSON.parse(text) as unknown;

/** The JSON text stored for a value (undefined is stored as null, as JSON has no undefined). */
function textOf(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** Turns an IsobarError into the "<CODE>: message" text the bridge hands the callback. */
async function coded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isIsobarError(err)) throw new Error(`${err.code}: ${err.publicMessage}`, { cause: err });
    throw err;
  }
}

/** Builds the handlers for every `cache.*` op listed in runtime-api/bridge-ops.ts. */
export function createCacheOps(entries: CacheEntries, access: CacheAccess): Record<CacheOp, OpHandler> {
  const allowed = (ctx: HostContext, name: unknown, bits: number, action: string): string => {
    const systemKey = ctx.service.systemKey;
    if (typeof name !== 'string') throw new IsobarError('CB_ERR_CACHE_BAD_INPUT', { detail: 'cache name' });
    if ((access.itemLevel(ctx.runAs, systemKey, 'servicecaches', name) & bits) === 0) {
      throw new IsobarError('CB_ERR_CACHE_FORBIDDEN', { name, action });
    }
    return systemKey;
  };
  const WRITE = PERM.CREATE | PERM.UPDATE;
  return {
    'cache.get': (ctx, [name, key]) =>
      coded(async () => {
        const text = await entries.get(allowed(ctx, name, PERM.READ, 'read'), name as string, key);
        return text === undefined ? null : parse(text);
      }),
    'cache.getAll': (ctx, [name]) =>
      coded(async () => {
        const all = await entries.getAll(allowed(ctx, name, PERM.READ, 'read'), name as string);
        const out: Record<string, unknown> = {};
        for (const [k, text] of Object.entries(all)) out[k] = parse(text);
        return out;
      }),
    'cache.set': (ctx, [name, key, value, ttl]) =>
      coded(async () => {
        await entries.set(
          allowed(ctx, name, WRITE, 'written'),
          name as string,
          key,
          textOf(value),
          ttl,
          false,
        );
        return 'Set done';
      }),
    'cache.setnx': (ctx, [name, key, value, ttl]) =>
      coded(async () =>
        entries.set(allowed(ctx, name, WRITE, 'written'), name as string, key, textOf(value), ttl, true),
      ),
    'cache.setMultiple': (ctx, [name, data, ttl]) =>
      coded(async () => {
        const systemKey = allowed(ctx, name, WRITE, 'written');
        if (data === null || typeof data !== 'object' || Array.isArray(data)) {
          throw new IsobarError('CB_ERR_CACHE_BAD_INPUT', {
            detail: 'setMultiple needs an object of key: value',
          });
        }
        const pairs = Object.entries(data).map(([k, v]) => [k, textOf(v)] as const);
        await entries.setMultiple(systemKey, name as string, pairs, ttl);
        return 'SetMultiple done';
      }),
    'cache.delete': (ctx, [name, key]) =>
      coded(async () => {
        await entries.delete(allowed(ctx, name, PERM.DELETE, 'deleted from'), name as string, key);
        return 'Delete done';
      }),
    'cache.flush': (ctx, [name]) =>
      coded(async () => {
        await entries.flush(allowed(ctx, name, PERM.DELETE, 'flushed'), name as string);
        return 'Flush done';
      }),
  };
}
