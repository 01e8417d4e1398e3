// Per-system time series for the console and `$SYS` load averages: every `sampleMs` one sample of each
// system that has seen traffic or runs (cumulative counters, so rates come from differences), kept in a
// ring of the last `windowMs`. Load averages are Mosquitto's: exponentially weighted messages per minute
// over 1, 5 and 15 minutes, updated at each sample.
import type { Clock } from '../kernel/clock.js';
import { quantileS } from './runs.js';
import type { MetricsSources } from './sources.js';

/** One system at one instant; counters are totals since start. */
export interface Sample {
  /** Epoch ms. */
  readonly t: number;
  readonly received: number;
  readonly sent: number;
  readonly connections: number;
  readonly subscriptions: number;
  readonly runs: number;
  readonly failures: number;
  /** Run time of the runs since the previous sample, seconds (bucket bound); null when none ran. */
  readonly p50: number | null;
  readonly p99: number | null;
  readonly streamsRunning: number;
}

/** Mosquitto's `load/.../{1,5,15}min`: messages per minute, exponentially weighted. */
export interface Loads {
  readonly received: readonly [number, number, number];
  readonly sent: readonly [number, number, number];
}

interface SystemSeries {
  readonly samples: Sample[];
  buckets: readonly number[];
  received: [number, number, number];
  sent: [number, number, number];
}

const PERIODS_S = [60, 300, 900] as const;

const ZERO: Sample = {
  t: 0,
  received: 0,
  sent: 0,
  connections: 0,
  subscriptions: 0,
  runs: 0,
  failures: 0,
  p50: null,
  p99: null,
  streamsRunning: 0,
};

export interface Series {
  /** Samples of `systemKey`, oldest first (empty when it never had traffic). */
  of(systemKey: string): readonly Sample[];
  loads(systemKey: string): Loads;
  /** Takes one sample now (the timer calls it; tests may too). */
  sample(): void;
  start(): void;
  close(): void;
}

/** Builds the sampler; nothing runs until `start()`. */
export function createSeries(
  options: { readonly sampleMs: number; readonly windowMs: number },
  deps: { readonly sources: MetricsSources; readonly clock: Clock },
): Series {
  const { sources, clock } = deps;
  const bySystem = new Map<string, SystemSeries>();
  const keep = Math.max(2, Math.ceil(options.windowMs / options.sampleMs) + 1);
  let cancel: (() => void) | undefined;
  let closed = false;
  let lastAt: number | undefined;

  const sample = () => {
    const now = clock.now();
    const traffic = sources.broker.traffic();
    const subscriptions = sources.broker.subscriptionCounts();
    const streams = new Map<string, number>();
    for (const i of sources.engine().running()) {
      if (i.state === 'running') streams.set(i.systemKey, (streams.get(i.systemKey) ?? 0) + 1);
    }
    const systems = new Set<string>([...traffic.keys(), ...sources.runs.systems()]);
    for (const systemKey of systems) {
      const t = traffic.get(systemKey);
      const r = sources.runs.system(systemKey);
      let s = bySystem.get(systemKey);
      if (s === undefined) {
        s = { samples: [], buckets: [], received: [0, 0, 0], sent: [0, 0, 0] };
        // New since the last sample: it had nothing then, so its first interval has a rate too.
        if (lastAt !== undefined) s.samples.push({ ...ZERO, t: lastAt });
        bySystem.set(systemKey, s);
      }
      const received = t === undefined ? 0 : t.received[0] + t.received[1] + t.received[2];
      const sent = t === undefined ? 0 : t.sent[0] + t.sent[1] + t.sent[2];
      const last = s.samples.at(-1);
      if (last !== undefined && now > last.t) {
        const dtS = (now - last.t) / 1000;
        updateLoads(s.received, ((received - last.received) / dtS) * 60, dtS);
        updateLoads(s.sent, ((sent - last.sent) / dtS) * 60, dtS);
      }
      const buckets = r === undefined ? [] : [...r.buckets];
      s.samples.push({
        t: now,
        received,
        sent,
        connections: t?.connections ?? 0,
        subscriptions: subscriptions.get(systemKey) ?? 0,
        runs: r?.runs ?? 0,
        failures: r?.failures ?? 0,
        p50: quantileS(s.buckets, buckets, 0.5) ?? null,
        p99: quantileS(s.buckets, buckets, 0.99) ?? null,
        streamsRunning: streams.get(systemKey) ?? 0,
      });
      s.buckets = buckets;
      if (s.samples.length > keep) s.samples.splice(0, s.samples.length - keep);
    }
    lastAt = now;
  };

  const tick = () => {
    if (closed) return;
    sample();
    cancel = clock.setTimer(options.sampleMs, tick);
  };

  return {
    of: (systemKey) => bySystem.get(systemKey)?.samples ?? [],
    loads(systemKey) {
      const s = bySystem.get(systemKey);
      return s === undefined
        ? { received: [0, 0, 0], sent: [0, 0, 0] }
        : { received: [...s.received], sent: [...s.sent] };
    },
    sample,
    start() {
      if (cancel === undefined && !closed) tick();
    },
    close() {
      closed = true;
      cancel?.();
    },
  };
}

/** One step of Mosquitto's load average: `load = rate + e^(-dt/period) (load - rate)` for each period. */
function updateLoads(loads: [number, number, number], perMinute: number, dtS: number): void {
  for (let i = 0; i < 3; i++) {
    const decay = Math.exp(-dtS / PERIODS_S[i]);
    loads[i] = perMinute + decay * (loads[i] - perMinute);
  }
}
