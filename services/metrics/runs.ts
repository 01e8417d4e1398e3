// Per-service run counters and duration histograms, counted where every micro run ends: the engine's
// `invoke` / `invokeBatch` (REST, triggers, timers and `Code().execute` all pass there). Plain integers in
// fixed bucket arrays; prom-client reads them at scrape time (prometheus.ts), the sampler per interval.
import type { Engine, InvokeResult } from '../../engine/types.js';

/** Histogram bucket upper bounds, seconds (Prometheus' defaults widened to the 60 s default timeout). */
export const RUN_BUCKETS_S: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/** Counts of one service or one system: `buckets[i]` counts runs ≤ RUN_BUCKETS_S[i] (not cumulative). */
export interface RunCounts {
  runs: number;
  failures: number;
  /** Sum of run durations, seconds. */
  sumS: number;
  /** One slot per bucket plus one for +Inf. */
  readonly buckets: number[];
}

/** One service's counts with its labels. */
export interface ServiceRuns extends RunCounts {
  readonly systemKey: string;
  readonly service: string;
  /** Its system's aggregate, bumped together (the sampler reads systems, not services). */
  readonly system: RunCounts;
}

const emptyCounts = (): RunCounts => ({
  runs: 0,
  failures: 0,
  sumS: 0,
  buckets: new Array<number>(RUN_BUCKETS_S.length + 1).fill(0),
});

/** Where a duration falls: the first bucket whose bound holds it (linear: 15 bounds). */
function bucketOf(seconds: number): number {
  let i = 0;
  while (i < RUN_BUCKETS_S.length && seconds > RUN_BUCKETS_S[i]) i++;
  return i;
}

/** The counters of every service that ran since start. */
export class RunMetrics {
  readonly #services = new Map<string, ServiceRuns>();
  readonly #systems = new Map<string, RunCounts>();

  /** Counts one ended run. */
  record(systemKey: string, service: string, result: InvokeResult): void {
    const key = `${systemKey}\u0000${service}`;
    let s = this.#services.get(key);
    if (s === undefined) {
      let system = this.#systems.get(systemKey);
      if (system === undefined) this.#systems.set(systemKey, (system = emptyCounts()));
      s = { ...emptyCounts(), systemKey, service, system };
      this.#services.set(key, s);
    }
    const seconds = Math.max(0, result.durationMs) / 1000;
    const bucket = bucketOf(seconds);
    for (const c of [s, s.system]) {
      c.runs++;
      if (!result.success) c.failures++;
      c.sumS += seconds;
      c.buckets[bucket]++;
    }
  }

  /** Every service's counts (live objects: read them, do not keep them). */
  services(): IterableIterator<ServiceRuns> {
    return this.#services.values();
  }

  /** The aggregate of one system, if any of its services ran. */
  system(systemKey: string): RunCounts | undefined {
    return this.#systems.get(systemKey);
  }

  /** Systems with runs. */
  systems(): IterableIterator<string> {
    return this.#systems.keys();
  }

  /** Wraps an engine so every micro run it ends is counted (stream instances are counted by state instead). */
  observe(engine: Engine): Engine {
    return {
      ...engine,
      invoke: async (version, request) => {
        const result = await engine.invoke(version, request);
        this.record(version.systemKey, version.name, result);
        return result;
      },
      invokeBatch: async (version, requests) => {
        const results = await engine.invokeBatch(version, requests);
        for (const r of results) this.record(version.systemKey, version.name, r);
        return results;
      },
    };
  }
}

/**
 * The duration below which `q` of the runs between two snapshots fell (a bucket bound, so an upper
 * estimate); undefined when no run ended between them.
 */
export function quantileS(
  before: readonly number[],
  after: readonly number[],
  q: number,
): number | undefined {
  let total = 0;
  for (let i = 0; i < after.length; i++) total += after[i] - (before[i] ?? 0);
  if (total <= 0) return undefined;
  const target = q * total;
  let seen = 0;
  for (let i = 0; i < after.length; i++) {
    seen += after[i] - (before[i] ?? 0);
    if (seen >= target) return i < RUN_BUCKETS_S.length ? RUN_BUCKETS_S[i] : Infinity;
  }
  return Infinity;
}
