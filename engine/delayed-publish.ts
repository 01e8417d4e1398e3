// Messaging().setTimeout / setInterval: publishes the platform makes later, on behalf of the service's
// identity, even after the run that asked for them has ended. Implemented engine-side (the bridge ops
// `messaging.setTimeout|setInterval|cancel` never reach Host.call). Bounded per system.

import { randomBytes } from 'node:crypto';
import type { Clock } from '../runtime-api/clock.js';
import { IsobarError } from '../runtime-api/errors/index.js';
import type { Log } from '../runtime-api/log.js';
import type { Host, HostContext } from './types.js';

interface Delayed {
  readonly systemKey: string;
  cancel: () => void;
}

export interface DelayedPublishes {
  /** One publish after `ms`; returns its id. */
  setTimeout(ctx: HostContext, ms: number, topic: string, payload: string): string;
  /** A publish every `ms`, `iterations` times (≤ 0: until cancelled); returns its id. */
  setInterval(ctx: HostContext, ms: number, topic: string, payload: string, iterations: number): string;
  /** Cancels a delayed publish of the same system; false when unknown. */
  cancel(systemKey: string, id: string): boolean;
  close(): void;
}

/** Creates the registry of delayed publishes; nothing is scheduled until a service asks. */
export function createDelayedPublishes(deps: {
  host: Host;
  clock: Clock;
  log: Log;
  maxPerSystem: number;
}): DelayedPublishes {
  const all = new Map<string, Delayed>();
  const perSystem = new Map<string, number>();

  const add = (ctx: HostContext): string => {
    const systemKey = ctx.service.systemKey;
    const count = perSystem.get(systemKey) ?? 0;
    if (count >= deps.maxPerSystem) {
      throw new IsobarError('CB_ERR_SANDBOX_TIMER_LIMIT', { systemKey, limit: deps.maxPerSystem });
    }
    perSystem.set(systemKey, count + 1);
    const id = randomBytes(12).toString('hex');
    all.set(id, { systemKey, cancel: () => {} });
    return id;
  };

  const remove = (id: string): void => {
    const d = all.get(id);
    if (d === undefined) return;
    all.delete(id);
    const left = (perSystem.get(d.systemKey) ?? 1) - 1;
    if (left <= 0) perSystem.delete(d.systemKey);
    else perSystem.set(d.systemKey, left);
  };

  const publish = (ctx: HostContext, topic: string, payload: string) =>
    deps.host
      .publish(ctx, topic, payload, 0, false)
      .catch((err: unknown) =>
        deps.log.warn('delayed publish failed', { topic, service: ctx.service.name, err: String(err) }),
      );

  const schedule = (id: string, ms: number, fire: () => boolean): void => {
    const d = all.get(id);
    if (d === undefined) return;
    d.cancel = deps.clock.setTimer(Math.max(0, ms), () => {
      if (!all.has(id)) return;
      if (fire()) schedule(id, ms, fire);
      else remove(id);
    });
  };

  return {
    setTimeout(ctx, ms, topic, payload) {
      const id = add(ctx);
      schedule(id, ms, () => {
        void publish(ctx, topic, payload);
        return false;
      });
      return id;
    },
    setInterval(ctx, ms, topic, payload, iterations) {
      const id = add(ctx);
      let left = iterations > 0 ? iterations : Infinity;
      schedule(id, Math.max(1, ms), () => {
        void publish(ctx, topic, payload);
        return --left > 0;
      });
      return id;
    },
    cancel(systemKey, id) {
      const d = all.get(id);
      if (d === undefined || d.systemKey !== systemKey) return false;
      d.cancel();
      remove(id);
      return true;
    },
    close() {
      for (const d of all.values()) d.cancel();
      all.clear();
      perSystem.clear();
    },
  };
}
