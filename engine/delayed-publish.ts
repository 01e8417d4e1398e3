// Messaging().setTimeout / setInterval: publishes the platform makes later, on behalf of the service's
// identity, even after the micro run that asked for them has ended (ClearBlade's contract). Implemented
// engine-side (the bridge ops `messaging.setTimeout|setInterval|cancel` never reach Host.call).
// Each one pins its topic and payload in Node's heap until it fires, so they are bounded per system (count)
// and per service (count and characters), intervals have a minimum period, and they end with what owns
// them: the service (update, delete), a stream instance's run, a run the engine killed, the engine.

import { randomBytes } from 'node:crypto';
import type { Clock } from '../runtime-api/clock.js';
import { IsobarError } from '../runtime-api/errors/index.js';
import type { Log } from '../runtime-api/log.js';
import type { DelayedPublishInfo, Host, HostContext } from './types.js';

interface Delayed {
  readonly id: string;
  readonly ctx: HostContext;
  readonly topic: string;
  readonly payload: string;
  readonly bytes: number;
  readonly intervalMs: number;
  nextAt: number;
  /** Publishes left; Infinity = until cancelled. */
  left: number;
  cancel: () => void;
}

export interface DelayedPublishes {
  /** One publish after `ms`; returns its id. Throws a CB_ERR_SANDBOX_* IsobarError over a limit. */
  setTimeout(ctx: HostContext, ms: number, topic: string, payload: string): string;
  /** A publish every `ms`, `iterations` times (≤ 0: until cancelled); returns its id. */
  setInterval(ctx: HostContext, ms: number, topic: string, payload: string, iterations: number): string;
  /** Cancels a delayed publish of the same system; false when unknown. */
  cancel(systemKey: string, id: string): boolean;
  /** Cancels every delayed publish of a service (updated or deleted); returns how many. */
  cancelService(systemKey: string, name: string): number;
  /** Cancels every delayed publish made by one run (a stream instance that ended, a killed run). */
  cancelRun(ctx: HostContext): number;
  /** What is waiting, of a system (and service). */
  list(systemKey: string, name?: string): DelayedPublishInfo[];
  close(): void;
}

export interface DelayedLimits {
  readonly maxPerSystem: number;
  readonly maxPerService: number;
  readonly maxBytesPerService: number;
  readonly minIntervalMs: number;
}

const serviceKey = (systemKey: string, name: string): string => `${systemKey}\u0000${name}`;

/** Creates the registry of delayed publishes; nothing is scheduled until a service asks. */
export function createDelayedPublishes(deps: {
  host: Host;
  clock: Clock;
  log: Log;
  limits: DelayedLimits;
}): DelayedPublishes {
  const { limits } = deps;
  const all = new Map<string, Delayed>();
  const perSystem = new Map<string, number>();
  const perService = new Map<string, { count: number; bytes: number }>();
  const byRun = new Map<HostContext, Set<string>>();

  const admit = (ctx: HostContext, bytes: number): void => {
    const { systemKey, name: service } = ctx.service;
    const count = perSystem.get(systemKey) ?? 0;
    if (count >= limits.maxPerSystem)
      throw new IsobarError('CB_ERR_SANDBOX_TIMER_LIMIT', { systemKey, limit: limits.maxPerSystem });
    const used = perService.get(serviceKey(systemKey, service)) ?? { count: 0, bytes: 0 };
    if (used.count >= limits.maxPerService)
      throw new IsobarError('CB_ERR_SANDBOX_DELAYED_LIMIT', { service, limit: `${limits.maxPerService}` });
    if (used.bytes + bytes > limits.maxBytesPerService)
      throw new IsobarError('CB_ERR_SANDBOX_DELAYED_LIMIT', {
        service,
        limit: `${limits.maxBytesPerService} characters`,
      });
  };

  const add = (ctx: HostContext, topic: string, payload: string, intervalMs: number, left: number) => {
    const bytes = topic.length + payload.length;
    admit(ctx, bytes);
    const { systemKey, name } = ctx.service;
    perSystem.set(systemKey, (perSystem.get(systemKey) ?? 0) + 1);
    const key = serviceKey(systemKey, name);
    const used = perService.get(key) ?? { count: 0, bytes: 0 };
    perService.set(key, { count: used.count + 1, bytes: used.bytes + bytes });
    const d: Delayed = {
      id: randomBytes(12).toString('hex'),
      ctx,
      topic,
      payload,
      bytes,
      intervalMs,
      nextAt: 0,
      left,
      cancel: () => {},
    };
    all.set(d.id, d);
    let mine = byRun.get(ctx);
    if (mine === undefined) byRun.set(ctx, (mine = new Set()));
    mine.add(d.id);
    return d;
  };

  const remove = (d: Delayed): void => {
    if (all.get(d.id) !== d) return;
    all.delete(d.id);
    d.cancel();
    const { systemKey, name } = d.ctx.service;
    const left = (perSystem.get(systemKey) ?? 1) - 1;
    if (left <= 0) perSystem.delete(systemKey);
    else perSystem.set(systemKey, left);
    const key = serviceKey(systemKey, name);
    const used = perService.get(key);
    if (used !== undefined && used.count > 1)
      perService.set(key, { count: used.count - 1, bytes: used.bytes - d.bytes });
    else perService.delete(key);
    const mine = byRun.get(d.ctx);
    mine?.delete(d.id);
    if (mine?.size === 0) byRun.delete(d.ctx);
  };

  const publish = (d: Delayed) =>
    deps.host.publish(d.ctx, d.topic, d.payload, 0, false).catch((err: unknown) =>
      deps.log.warn('delayed publish failed', {
        topic: d.topic,
        service: d.ctx.service.name,
        err: String(err),
      }),
    );

  const schedule = (d: Delayed, ms: number): void => {
    d.nextAt = deps.clock.now() + ms;
    d.cancel = deps.clock.setTimer(ms, () => {
      if (all.get(d.id) !== d) return;
      void publish(d);
      if (--d.left > 0) schedule(d, d.intervalMs);
      else remove(d);
    });
  };

  const removeWhere = (match: (d: Delayed) => boolean): number => {
    let n = 0;
    for (const d of [...all.values()]) {
      if (!match(d)) continue;
      remove(d);
      n++;
    }
    return n;
  };

  return {
    setTimeout(ctx, ms, topic, payload) {
      const d = add(ctx, topic, payload, 0, 1);
      schedule(d, Math.max(0, ms));
      return d.id;
    },
    setInterval(ctx, ms, topic, payload, iterations) {
      if (!(ms >= limits.minIntervalMs))
        throw new IsobarError('CB_ERR_SANDBOX_DELAYED_PERIOD', {
          service: ctx.service.name,
          ms,
          min: limits.minIntervalMs,
        });
      const period = Math.max(1, ms);
      const d = add(ctx, topic, payload, period, iterations > 0 ? iterations : Infinity);
      schedule(d, period);
      return d.id;
    },
    cancel(systemKey, id) {
      const d = all.get(id);
      if (d === undefined || d.ctx.service.systemKey !== systemKey) return false;
      remove(d);
      return true;
    },
    cancelService: (systemKey, name) =>
      removeWhere((d) => d.ctx.service.systemKey === systemKey && d.ctx.service.name === name),
    cancelRun(ctx) {
      const mine = byRun.get(ctx);
      if (mine === undefined) return 0;
      return removeWhere((d) => mine.has(d.id));
    },
    list(systemKey, name) {
      const out: DelayedPublishInfo[] = [];
      for (const d of all.values()) {
        const s = d.ctx.service;
        if (s.systemKey !== systemKey || (name !== undefined && s.name !== name)) continue;
        out.push({
          id: d.id,
          systemKey: s.systemKey,
          service: s.name,
          topic: d.topic,
          bytes: d.bytes,
          intervalMs: d.intervalMs,
          nextAt: d.nextAt,
          remaining: d.left === Infinity ? -1 : d.left,
        });
      }
      return out;
    },
    close() {
      removeWhere(() => true);
    },
  };
}
