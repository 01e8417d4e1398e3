// What the metrics area reads, and nothing it writes: each component's own counters, read when someone
// scrapes or samples. The composition root fills this in (services/platform.ts).
import type { Broker } from '../../broker/types.js';
import type { Engine } from '../../engine/types.js';
import type { Clock } from '../kernel/clock.js';
import type { RunMetrics } from './runs.js';

/** Trigger dispatcher figures (services/automation/dispatcher.ts DispatcherStats). */
export interface QueueFigures {
  readonly queued: number;
  readonly running: number;
  readonly completed: number;
  readonly failed: number;
  readonly dropped: number;
}

/** Message history capture figures (services/history/capture.ts CaptureStats). */
export interface HistoryFigures {
  readonly captured: number;
  readonly written: number;
  readonly dropped: number;
  readonly failed: number;
  readonly pending: number;
}

export interface MetricsSources {
  readonly broker: Pick<
    Broker,
    'stats' | 'traffic' | 'subscriptionCounts' | 'retainedCounts' | 'hasSubscribers' | 'publish'
  >;
  readonly engine: () => Pick<Engine, 'resources' | 'running' | 'stats'>;
  readonly triggers: () => QueueFigures;
  readonly history: () => HistoryFigures;
  readonly runs: RunMetrics;
}

/**
 * Retained counts at most once per `ttlMs` (a scan of the retained store), shared by scrapes, `$SYS` and
 * the JSON route; concurrent askers share one scan.
 */
export function cachedRetained(
  broker: Pick<Broker, 'retainedCounts'>,
  clock: Clock,
  ttlMs: number,
): () => Promise<Map<string, number>> {
  let at = -Infinity;
  let last: Promise<Map<string, number>> | undefined;
  return () => {
    if (last === undefined || clock.now() - at >= ttlMs) {
      at = clock.now();
      last = broker.retainedCounts().catch(() => new Map<string, number>());
    }
    return last;
  };
}
