// Metrics as one platform component: the Prometheus registry (read at scrape time from each component's
// own counters), the per-system sampler for the console, `$SYS/broker/...` topics, the routes and the
// optional separate listener. See README.md for what is counted where and who may see it.
import { createRequire } from 'node:module';
import type { Component, ComponentBase, Ports } from '../kernel/component.js';
import type { Config } from '../config/load.js';
import { listenMetrics, type MetricsListener } from './listener.js';
import { buildRegistry } from './prometheus.js';
import { metricsRoutes } from './routes.js';
import { RunMetrics } from './runs.js';
import { createSeries, type Series } from './series.js';
import { cachedRetained, type MetricsSources } from './sources.js';
import { createSysTopics, type SysTopics } from './sys-topics.js';

/** The metrics area's settings (config `metrics.*`, documented in services/config/load.ts). */
export type MetricsOptions = Config['metrics'];

export interface MetricsComponent extends Component {
  readonly series: Series;
  readonly sys: SysTopics;
}

/** The platform's version, for `$SYS/broker/version`. */
function platformVersion(): string {
  const require = createRequire(import.meta.url);
  // From the source tree and from a compiled tree one level deeper (dist/).
  for (const path of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = require(path) as { name?: unknown; version?: unknown };
      if (pkg.name === 'isobar' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not at this depth
    }
  }
  return 'unknown';
}

/** Counts runs through `observe(engine)` before the code component exists; the rest is wired in `createMetrics`. */
export function createRunMetrics(): RunMetrics {
  return new RunMetrics();
}

/** Builds the metrics component; its sampler, `$SYS` timer and listener start with `start()`. */
export function createMetrics(
  options: MetricsOptions,
  base: ComponentBase,
  deps: {
    readonly sources: MetricsSources;
    readonly systemsOf: (developerId: string) => readonly string[];
    readonly on: Parameters<typeof createSysTopics>[1]['on'];
  },
): MetricsComponent {
  const { clock, log } = base;
  const { sources } = deps;
  const retained = cachedRetained(sources.broker, clock, 10_000);
  const series = createSeries(
    { sampleMs: options.sampleS * 1000, windowMs: options.windowS * 1000 },
    { sources, clock },
  );
  const sys = createSysTopics(
    { intervalMs: options.sysIntervalS * 1000, version: platformVersion() },
    {
      sources,
      series,
      retained,
      clock,
      log: log.child({ area: 'metrics' }),
      startedAt: clock.now(),
      on: deps.on,
    },
  );
  const operator = buildRegistry(sources, { all: true }, retained);
  let listener: MetricsListener | undefined;
  return {
    name: 'metrics',
    series,
    sys,
    routes: options.enabled
      ? [
          metricsRoutes({
            sources,
            series,
            retained,
            clock,
            sampleMs: options.sampleS * 1000,
            operator,
            token: options.token,
            systemsOf: deps.systemsOf,
          }),
        ]
      : [],
    async start(): Promise<Partial<Ports>> {
      if (!options.enabled) return {};
      series.start();
      sys.start();
      if (options.port >= 0) {
        listener = await listenMetrics(
          { host: options.host, port: options.port },
          { registry: operator, log },
        );
        return { metrics: listener.port };
      }
      return {};
    },
    async close() {
      series.close();
      sys.close();
      await listener?.close();
    },
  };
}
