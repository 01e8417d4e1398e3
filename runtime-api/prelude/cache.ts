// ClearBlade.Cache(name): the shared caches (reference §3.7; native-libraries clearblade.md "Cache").
// Every method takes ClearBlade's `cb(err, data)` last; without one it returns the data or throws. A set
// may name a TTL in seconds before the callback (`set(key, value, ttl, cb)`), else the cache's default.
// A refusal gives the callback "<CODE>: message" (e.g. CB_ERR_CACHE_VALUE_TOO_LARGE).

import type { BridgeOp } from '../bridge-ops.js';
import { CALL_OPS } from '../sandbox-protocol.js';
import type { Bridge } from './bridge.js';
import { answerData, lastCallback, type Callback } from './callbacks.js';
import { stringify } from './intrinsics.js';

/** The object ClearBlade.Cache(name) answers. */
export interface CacheHandle {
  get(key: string, cb?: Callback): unknown;
  getAll(cb?: Callback): unknown;
  set(key: string, value: unknown, ...rest: unknown[]): unknown;
  setnx(key: string, value: unknown, ...rest: unknown[]): unknown;
  setMultiple(data: unknown, ...rest: unknown[]): unknown;
  delete(key: string, cb?: Callback): unknown;
  flush(cb?: Callback): unknown;
}

/** Builds ClearBlade.Cache for one run. */
export function createCacheFactory(bridge: Bridge): (name: string) => CacheHandle {
  /** One waited call; the result goes to the callback (err false) or is returned, a refusal to cb(true) or thrown. */
  const run = (op: BridgeOp, args: unknown[], cb: Callback | undefined, map = (d: unknown) => d): unknown => {
    const answer = bridge.call(CALL_OPS.platform, op, stringify(args));
    if (!answer.ok) {
      if (cb !== undefined) return cb(true, answer.message);
      throw new Error(answer.message);
    }
    const data = map(answerData(answer));
    if (cb !== undefined) return cb(false, data);
    return data;
  };
  const ttlOf = (rest: readonly unknown[]): unknown => (typeof rest[0] === 'function' ? undefined : rest[0]);
  // ClearBlade answers undefined for a missing key; JSON carries it as null.
  const orUndefined = (d: unknown): unknown => (d === null ? undefined : d);
  return (name: string): CacheHandle => {
    if (typeof name !== 'string' || name === '') throw new TypeError('ClearBlade.Cache needs a cache name');
    return {
      get: (key, cb) => run('cache.get', [name, key], lastCallback([cb]), orUndefined),
      getAll: (cb) => run('cache.getAll', [name], lastCallback([cb])),
      set: (key, value, ...rest) =>
        run('cache.set', [name, key, value === undefined ? null : value, ttlOf(rest)], lastCallback(rest)),
      setnx: (key, value, ...rest) =>
        run('cache.setnx', [name, key, value === undefined ? null : value, ttlOf(rest)], lastCallback(rest)),
      setMultiple: (data, ...rest) => run('cache.setMultiple', [name, data, ttlOf(rest)], lastCallback(rest)),
      delete: (key, cb) => run('cache.delete', [name, key], lastCallback([cb])),
      flush: (cb) => run('cache.flush', [name], lastCallback([cb])),
    };
  };
}
