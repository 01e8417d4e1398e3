// The Prometheus view (`GET /metrics`): prom-client metrics whose `collect()` copies the components' own
// counters at scrape time, so the message path never touches prom-client. A scope decides what one scrape
// may see: the operator (metrics token or the metrics listener) sees every system and the process; a
// developer sees only the per-system series of the systems they own (tenants never learn each other's
// activity, DESIGN.md "Security model").
import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from 'prom-client';
import { RUN_BUCKETS_S } from './runs.js';
import type { HistoryFigures, MetricsSources, QueueFigures } from './sources.js';
import type { BrokerStats, SystemTraffic } from '../../broker/types.js';
import type { EngineResources, EngineStats } from '../../engine/types.js';

/** Who is scraping: every system and the process, or only these systems. */
export type Scope = { readonly all: true } | { readonly all: false; readonly systems: ReadonlySet<string> };

const QOS = ['0', '1', '2'] as const;

/** A histogram whose buckets are read from RunMetrics at scrape time (prom-client's only take observe()). */
class RunDurations {
  readonly name = 'isobar_service_run_duration_seconds';
  readonly help = 'Micro-service run time (REST, triggers, timers, Code().execute), by service';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #sources: MetricsSources;
  readonly #visible: (systemKey: string) => boolean;

  constructor(sources: MetricsSources, visible: (systemKey: string) => boolean) {
    this.#sources = sources;
    this.#visible = visible;
  }

  get() {
    const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
    for (const s of this.#sources.runs.services()) {
      if (!this.#visible(s.systemKey)) continue;
      const labels = { system: s.systemKey, service: s.service };
      let cumulative = 0;
      for (let i = 0; i < s.buckets.length; i++) {
        cumulative += s.buckets[i];
        const le = i < RUN_BUCKETS_S.length ? RUN_BUCKETS_S[i] : '+Inf';
        values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_sum`, labels, value: s.sumS });
      values.push({ metricName: `${this.name}_count`, labels, value: s.runs });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

/** The figures the platform-wide series copy, by the component (or engine call) they come from. */
interface PlatformFigures {
  readonly mqtt: BrokerStats;
  readonly resources: EngineResources;
  readonly engine: EngineStats;
  readonly trigger: QueueFigures;
  readonly history: HistoryFigures;
}
/** The keys of `T` whose values are numbers: the figures a series can copy. */
type NumericKey<T> = { [K in keyof T]-?: T[K] extends number ? K : never }[keyof T];
/** Reads one figure of one component, at scrape time. */
type FigureReaders = {
  readonly [C in keyof PlatformFigures]: (figure: NumericKey<PlatformFigures[C]>) => number;
};
/** One platform-wide series: its name (after `isobar_`), the component and figure it copies, its help. */
type SeriesRow<C extends keyof PlatformFigures = keyof PlatformFigures> = {
  [P in C]: readonly [name: string, component: P, figure: NumericKey<PlatformFigures[P]>, help: string];
}[C];

/** The platform-wide series (operator only), one a line. */
const PLATFORM_SERIES: readonly SeriesRow[] = [
  ['mqtt_denied_publishes_total', 'mqtt', 'deniedPublishes', 'PUBLISH refused by the topic ACL'],
  ['mqtt_denied_subscribes_total', 'mqtt', 'deniedSubscribes', 'SUBSCRIBE filters refused by the topic ACL'],
  ['mqtt_limit_breaches_total', 'mqtt', 'limitBreaches', 'Connections closed for breaching an MQTT limit'],
  ['engine_isolates', 'resources', 'isolates', 'Isolates in the pool (idle and busy)'],
  ['engine_isolate_heap_bytes', 'resources', 'isolateHeapBytes', 'Heap used by the pooled isolates'],
  ['engine_runs_running', 'resources', 'runsRunning', 'Micro runs holding a run slot'],
  ['engine_runs_waiting', 'resources', 'runsWaiting', 'Micro runs waiting for a run slot (queue depth)'],
  ['engine_contexts_built_total', 'engine', 'contextsBuilt', 'Contexts built (warm and strict)'],
  ['trigger_queue_depth', 'trigger', 'queued', 'Trigger and timer events queued for the dispatcher'],
  ['trigger_running', 'trigger', 'running', 'Trigger and timer runs in progress'],
  ['trigger_events_dropped_total', 'trigger', 'dropped', 'Trigger events refused because the queue was full'],
  ['trigger_events_failed_total', 'trigger', 'failed', 'Trigger and timer runs that failed'],
  ['history_captured_total', 'history', 'captured', 'Messages accepted for message history'],
  ['history_written_total', 'history', 'written', 'Message-history writes confirmed stored'],
  ['history_dropped_total', 'history', 'dropped', 'Messages not kept in history because its buffer was full'],
  ['history_failed_total', 'history', 'failed', 'Messages lost because the history writer failed'],
  ['history_lag_messages', 'history', 'pending', 'Messages captured and not yet stored (the writer lag)'],
];

/** One value of a series: its labels and the number copied. */
type Sample = readonly [labels: Record<string, string>, value: number];

/**
 * Registers a series whose values are copied at scrape time: a counter when its name ends in `_total` (the
 * Prometheus naming rule), any other a gauge.
 */
function copiedSeries(
  registers: Registry[],
  of: { name: string; help: string; labelNames?: readonly string[] },
  samples: () => Iterable<Sample>,
): void {
  if (of.name.endsWith('_total')) {
    new Counter({
      ...of,
      registers,
      collect() {
        this.reset();
        for (const [labels, value] of samples()) this.inc(labels, value);
      },
    });
  } else {
    new Gauge({
      ...of,
      registers,
      collect() {
        this.reset();
        for (const [labels, value] of samples()) this.set(labels, value);
      },
    });
  }
}

/** Registers one platform-wide series; its name is prefixed `isobar_` (as the process metrics are). */
function platformSeries<C extends keyof PlatformFigures>(
  registers: Registry[],
  readers: FigureReaders,
  [suffix, component, figure, help]: SeriesRow<C>,
): void {
  copiedSeries(registers, { name: `isobar_${suffix}`, help }, () => [[{}, readers[component](figure)]]);
}

/**
 * A registry for one scope. The operator's is built once and kept (it also carries prom-client's process
 * metrics: event-loop lag, heap, GC); a developer's is built per scrape (a few objects, no sampling).
 */
export function buildRegistry(
  sources: MetricsSources,
  scope: Scope,
  retained: () => Promise<Map<string, number>>,
): Registry {
  const registers = [new Registry()];
  const [registry] = registers;
  const visible = scope.all ? () => true : (systemKey: string) => scope.systems.has(systemKey);
  const perSystem = <T extends { set(labels: Record<string, string>, v: number): void }>(
    metric: T,
    counts: ReadonlyMap<string, number>,
  ) => {
    for (const [system, n] of counts) if (visible(system)) metric.set({ system }, n);
  };

  // --- MQTT, per system ---
  /** Each visible system's value of one traffic figure. */
  const traffic = (figure: NumericKey<SystemTraffic>) => () =>
    [...sources.broker.traffic()]
      .filter(([system]) => visible(system))
      .map(([system, t]): Sample => [{ system }, t[figure]]);
  copiedSeries(
    registers,
    { name: 'isobar_mqtt_connections', help: 'Connected MQTT clients', labelNames: ['system'] },
    traffic('connections'),
  );
  for (const dir of ['received', 'sent'] as const) {
    new Counter({
      name: `isobar_mqtt_messages_${dir}_total`,
      help:
        dir === 'received'
          ? 'PUBLISH received from clients, services and the platform, by QoS'
          : 'PUBLISH handed to clients, by the QoS they went out with',
      labelNames: ['system', 'qos'],
      registers,
      collect() {
        this.reset();
        for (const [system, t] of sources.broker.traffic()) {
          if (!visible(system)) continue;
          for (const qos of QOS) this.inc({ system, qos }, t[dir][Number(qos)]);
        }
      },
    });
    copiedSeries(
      registers,
      { name: `isobar_mqtt_bytes_${dir}_total`, help: `Payload bytes ${dir}`, labelNames: ['system'] },
      traffic(dir === 'received' ? 'bytesReceived' : 'bytesSent'),
    );
  }
  copiedSeries(
    registers,
    {
      name: 'isobar_mqtt_messages_dropped_total',
      help: 'QoS 0 messages dropped for a client with too much queued (ISOBAR_MQTT_MAX_QUEUED_BYTES)',
      labelNames: ['system'],
    },
    traffic('dropped'),
  );
  new Gauge({
    name: 'isobar_mqtt_subscriptions',
    help: 'Subscriptions of connected clients',
    labelNames: ['system'],
    registers,
    collect() {
      this.reset();
      perSystem(this, sources.broker.subscriptionCounts());
    },
  });
  new Gauge({
    name: 'isobar_mqtt_retained_messages',
    help: 'Retained messages held (counted at most every 10 s)',
    labelNames: ['system'],
    registers,
    async collect() {
      this.reset();
      perSystem(this, await retained());
    },
  });

  // --- code services, per service ---
  const perService = [
    ['isobar_service_runs_total', 'Micro-service runs ended', 'runs'],
    [
      'isobar_service_failures_total',
      'Micro-service runs that ended with success false (error, timeout, limit)',
      'failures',
    ],
  ] as const;
  for (const [name, help, figure] of perService) {
    copiedSeries(registers, { name, help, labelNames: ['system', 'service'] }, () =>
      [...sources.runs.services()]
        .filter((s) => visible(s.systemKey))
        .map((s): Sample => [{ system: s.systemKey, service: s.service }, s[figure]]),
    );
  }
  registry.registerMetric(new RunDurations(sources, visible) as unknown as Metric);
  new Gauge({
    name: 'isobar_stream_instances',
    help: 'Stream-service instances by state (starting, running, backoff, stopped)',
    labelNames: ['system', 'service', 'state'],
    registers,
    collect() {
      this.reset();
      for (const i of sources.engine().running())
        if (visible(i.systemKey)) this.inc({ system: i.systemKey, service: i.name, state: i.state });
    },
  });
  new Gauge({
    name: 'isobar_stream_restarts',
    help: 'Restarts of the current stream-service instances after a crash',
    labelNames: ['system', 'service'],
    registers,
    collect() {
      this.reset();
      for (const i of sources.engine().running())
        if (visible(i.systemKey)) this.inc({ system: i.systemKey, service: i.name }, i.restarts);
    },
  });
  if (!scope.all) return registry;

  // --- platform-wide (operator only) ---
  const readers: FigureReaders = {
    mqtt: (figure) => sources.broker.stats()[figure],
    resources: (figure) => sources.engine().resources()[figure],
    engine: (figure) => sources.engine().stats()[figure],
    trigger: (figure) => sources.triggers()[figure],
    history: (figure) => sources.history()[figure],
  };
  for (const row of PLATFORM_SERIES) platformSeries(registers, readers, row);
  // Event-loop lag (isobar_nodejs_eventloop_lag_seconds and percentiles), process heap, GC, handles.
  collectDefaultMetrics({ register: registry, prefix: 'isobar_' });
  return registry;
}
