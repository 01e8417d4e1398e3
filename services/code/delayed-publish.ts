// Server-side delayed publishes of `ClearBlade.Messaging().setTimeout/setInterval` (reference §10.4):
// they outlive the invocation that made them, so they live here, on the platform clock, bounded per
// system, and are cancelled by id from any service of the same system.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Log } from '../log.js';
import { IsobarError } from '../../runtime-api/errors/index.js';

/** One scheduled publish; `publish` is called with the platform's identity rules already bound. */
export interface DelayedPublish {
  readonly systemKey: string;
  readonly ms: number;
  /** For intervals: how many publishes; 0 or less = until cancelled. Timeouts publish once. */
  readonly iterations: number;
  readonly publish: () => Promise<void>;
}

export interface DelayedPublishes {
  /** Schedules a publish after `ms`; returns its id. */
  timeout(spec: Omit<DelayedPublish, 'iterations'>): string;
  /** Schedules a publish every `ms`; returns its id. */
  interval(spec: DelayedPublish): string;
  /** Cancels one of the system's pending publishes; unknown ids throw CB_ERR_CODE_TIMER_UNKNOWN. */
  cancel(systemKey: string, id: string): void;
  /** Pending publishes of a system. */
  pending(systemKey: string): number;
  /** Cancels everything of a system (system deleted) or of the process (close). */
  clear(systemKey?: string): void;
}

/** Most pending delayed publishes per system: a loop of setInterval calls must not exhaust memory. */
export const MAX_DELAYED_PER_SYSTEM = 1000;
/** Shortest interval, ms: shorter ones would be a publish storm. */
export const MIN_INTERVAL_MS = 10;

/** Creates the scheduler; nothing runs until something is scheduled. */
export function createDelayedPublishes(options: { clock: Clock; log: Log; max?: number }): DelayedPublishes {
  const { clock, log } = options;
  const max = options.max ?? MAX_DELAYED_PER_SYSTEM;
  const entries = new Map<string, { systemKey: string; cancel: () => void }>();

  const count = (systemKey: string) => {
    let n = 0;
    for (const e of entries.values()) if (e.systemKey === systemKey) n++;
    return n;
  };

  const fire = (id: string, publish: () => Promise<void>) => {
    publish().catch((err: unknown) => log.warn('delayed publish failed', { id, err: String(err) }));
  };

  const schedule = (spec: DelayedPublish, repeat: boolean): string => {
    if (count(spec.systemKey) >= max)
      throw new IsobarError('CB_ERR_CODE_TIMER_LIMIT', { systemKey: spec.systemKey, limit: max });
    const id = randomUUID();
    const ms = Math.max(repeat ? MIN_INTERVAL_MS : 0, Math.floor(spec.ms));
    let left = spec.iterations > 0 ? spec.iterations : Infinity;
    // Each firing is due a fixed period after the previous due time, so intervals do not drift.
    let due = clock.now() + ms;
    const arm = () => {
      const cancel = clock.setTimer(due - clock.now(), () => {
        left--;
        if (repeat && left > 0) {
          due += ms;
          arm();
        } else entries.delete(id);
        fire(id, spec.publish);
      });
      entries.set(id, { systemKey: spec.systemKey, cancel });
    };
    arm();
    return id;
  };

  return {
    timeout: (spec) => schedule({ ...spec, iterations: 1 }, false),
    interval: (spec) => schedule(spec, true),
    cancel(systemKey, id) {
      const entry = entries.get(id);
      if (entry === undefined || entry.systemKey !== systemKey)
        throw new IsobarError('CB_ERR_CODE_TIMER_UNKNOWN', { id });
      entry.cancel();
      entries.delete(id);
    },
    pending: count,
    clear(systemKey) {
      for (const [id, e] of entries) {
        if (systemKey !== undefined && e.systemKey !== systemKey) continue;
        e.cancel();
        entries.delete(id);
      }
    },
  };
}
