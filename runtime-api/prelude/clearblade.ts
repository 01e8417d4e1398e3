// The ClearBlade global: init, Messaging, Code, Cache, Trigger, Timer and the edge helpers.

import type { BridgeOp } from '../bridge-ops.js';
import { CALL_OPS, type InstallConfig } from '../sandbox-protocol.js';
import type { Bridge } from './bridge.js';
import { createCacheFactory } from './cache.js';
import { answerData, deliver, lastCallback, type Callback } from './callbacks.js';
import { createCollectionApi } from './collection.js';
import type { Messaging } from './messaging.js';
import { stringify } from './intrinsics.js';

export interface Identity {
  email: string;
  authToken: string;
  user_id: string;
}

interface Instance {
  name: string;
  systemKey: string;
  Update(changes: unknown, cb?: Callback): void;
  Delete(cb?: Callback): void;
}

/** The bridge ops behind one resource's Create/Fetch/Update/Delete, named in full so each op has one caller. */
interface ResourceOps {
  readonly create: BridgeOp;
  readonly fetch: BridgeOp;
  readonly update: BridgeOp;
  readonly delete: BridgeOp;
}
const TRIGGER_OPS: ResourceOps = {
  create: 'trigger.create',
  fetch: 'trigger.fetch',
  update: 'trigger.update',
  delete: 'trigger.delete',
};
const TIMER_OPS: ResourceOps = {
  create: 'timer.create',
  fetch: 'timer.fetch',
  update: 'timer.update',
  delete: 'timer.delete',
};

/** Builds the ClearBlade global's long-lived methods for one context (a run's identity comes from `identity`). */
export function createClearBlade(
  bridge: Bridge,
  config: InstallConfig,
  messaging: (options?: unknown, cb?: unknown) => Messaging,
  identity: () => Identity,
  logger: (...values: unknown[]) => void,
) {
  const platform = (op: BridgeOp, args: unknown[]) => bridge.call(CALL_OPS.platform, op, stringify(args));

  /** Trigger and Timer share one shape: Create/Fetch handing back an instance with Update/Delete. */
  const resource = (ops: ResourceOps) => {
    const instance = (name: string, data: unknown): Instance => {
      const fields = data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : {};
      return {
        ...fields,
        name,
        systemKey: config.systemKey,
        Update(changes, cb) {
          deliver(platform(ops.update, [name, changes]), cb, (d) => instance(name, d));
        },
        Delete(cb) {
          deliver(platform(ops.delete, [name]), cb);
        },
      };
    };
    return {
      Create(name: string, options: unknown, cb?: Callback) {
        deliver(platform(ops.create, [name, options]), cb, (d) => instance(name, d));
      },
      Fetch(name: string, cb?: Callback) {
        deliver(platform(ops.fetch, [name]), cb, (d) => instance(name, d));
      },
    };
  };

  const code = () => ({
    systemKey: config.systemKey,
    get systemSecret() {
      return config.systemSecret;
    },
    get user() {
      return identity();
    },
    execute(name: string, params?: unknown, ...rest: unknown[]) {
      const cb = lastCallback(rest);
      const logging = rest[0] === true;
      const answer = bridge.call(CALL_OPS.execute, String(name), stringify(params ?? {}) ?? '{}', logging);
      if (!answer.ok) {
        if (cb !== undefined) return cb(true, answer.message);
        throw new Error(answer.message);
      }
      const result = answerData(answer) as { success?: unknown; results?: unknown };
      if (cb !== undefined) cb(result.success !== true, result.results);
    },
    getAllServices(cb?: Callback) {
      if (typeof cb === 'function') cb(true, 'getAllServices is not available inside services');
    },
  });

  // The template of the ClearBlade global: built once per context; each run gets a shallow copy with its own
  // `systemSecret`, `user`, `Trigger` and `Timer` (prelude/index.ts, beginRun).
  return {
    URI: config.platformUrl,
    systemKey: config.systemKey,
    /** All documented forms are accepted for the service's own system; the run keeps its identity. */
    init(options: unknown) {
      if (options === null || typeof options !== 'object')
        throw new TypeError('ClearBlade.init needs an options object');
      const o = options as { request?: unknown; systemKey?: unknown; callback?: unknown };
      if (o.request === undefined && typeof o.systemKey !== 'string') {
        throw new Error('ClearBlade.init needs {request: req} or {systemKey, systemSecret, ...}');
      }
      if (typeof o.systemKey === 'string' && o.systemKey !== config.systemKey) {
        throw new Error(`ClearBlade.init: system ${o.systemKey} is not this service's system`);
      }
      if (typeof o.callback === 'function') (o.callback as Callback)(false, identity());
    },
    Messaging: messaging,
    Code: code,
    Cache: createCacheFactory(bridge),
    ...createCollectionApi(platform),
    Trigger: resource(TRIGGER_OPS),
    Timer: resource(TIMER_OPS),
    logger,
    isEdge: () => config.isEdge,
    edgeId: () => config.edgeId,
    about: () =>
      `Isobar code engine (ClearBlade-compatible), service ${config.serviceName} v${config.version}`,
    isObjectEmpty: (obj: unknown) => obj === null || typeof obj !== 'object' || Object.keys(obj).length === 0,
    makeKVPair: (key: string, value: string) => ({ [key]: value }),
  };
}
