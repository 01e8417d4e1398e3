import type { Clock } from '../../runtime-api/clock.js';

export type { Clock } from '../../runtime-api/clock.js';

/** The real clock. Timers are unref'd so a pending one never keeps the process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    t.unref();
    return () => clearTimeout(t);
  },
};

/** A clock tests move by hand: `advance(ms)` fires due timers in time order. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  set(epochMs: number): void;
  /** Number of timers waiting. */
  readonly pending: number;
}

/** Creates a ManualClock starting at `start` (epoch ms). */
export function createManualClock(start = Date.UTC(2026, 0, 1)): ManualClock {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const runDue = () => {
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of timers)
        if (entry[1].at <= now && (next === undefined || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) return;
      timers.delete(next[0]);
      next[1].fn();
    }
  };
  return {
    now: () => now,
    setTimer(ms, fn) {
      const id = ++seq;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return () => timers.delete(id);
    },
    advance(ms) {
      now += ms;
      runDue();
    },
    set(epochMs) {
      now = epochMs;
      runDue();
    },
    get pending() {
      return timers.size;
    },
  };
}
