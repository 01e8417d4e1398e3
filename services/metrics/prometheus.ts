// The Prometheus view (`GET /metrics`): prom-client metrics whose `collect()` copies the components' own
// counters at scrape time, so the message path never touches prom-client. A scope decides what one scrape
// may see: the operator (metrics token or the metrics listener) sees every system and the process; a
// developer sees only the per-system series of the systems they own (tenants never learn each other's
// activity, DESIGN.md "Security model").
import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from 'prom-client';
import { RUN_BUCKETS_S } from './runs.js';
import type { MetricsSources } from './sources.js';

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
  new Gauge({
    name: 'isobar_mqtt_connections',
    help: 'Connected MQTT clients',
    labelNames: ['system'],
    registers,
    collect() {
      this.reset();
      for (const [system, t] of sources.broker.traffic())
        if (visible(system)) this.set({ system }, t.connections);
    },
  });
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
    new Counter({
      name: `isobar_mqtt_bytes_${dir}_total`,
      help: `Payload bytes ${dir}`,
      labelNames: ['system'],
      registers,
      collect() {
        this.reset();
        for (const [system, t] of sources.broker.traffic()) {
          if (visible(system)) this.inc({ system }, dir === 'received' ? t.bytesReceived : t.bytesSent);
        }
      },
    });
  }
  new Counter({
    name: 'isobar_mqtt_messages_dropped_total',
    help: 'QoS 0 messages dropped for a client with too much queued (ISOBAR_MQTT_MAX_QUEUED_BYTES)',
    labelNames: ['system'],
    registers,
    collect() {
      this.reset();
      for (const [system, t] of sources.broker.traffic())
        if (visible(system)) this.inc({ system }, t.dropped);
    },
  });
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
  new Counter({
    name: 'isobar_service_runs_total',
    help: 'Micro-service runs ended',
    labelNames: ['system', 'service'],
    registers,
    collect() {
      this.reset();
      for (const s of sources.runs.services())
        if (visible(s.systemKey)) this.inc({ system: s.systemKey, service: s.service }, s.runs);
    },
  });
  new Counter({
    name: 'isobar_service_failures_total',
    help: 'Micro-service runs that ended with success false (error, timeout, limit)',
    labelNames: ['system', 'service'],
    registers,
    collect() {
      this.reset();
      for (const s of sources.runs.services())
        if (visible(s.systemKey)) this.inc({ system: s.systemKey, service: s.service }, s.failures);
    },
  });
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
  /**
   * Series that each copy one figure of one component at scrape time: [name, figure, help]. A name ending in
   * `_total` is a counter (the Prometheus naming rule), any other a gauge.
   */
  const figures = <K extends string>(
    read: () => NoInfer<Readonly<Record<K, number>>>,
    series: ReadonlyArray<readonly [name: string, figure: K, help: string]>,
  ) => {
    for (const [name, figure, help] of series) {
      if (name.endsWith('_total')) {
        new Counter({
          name,
          help,
          registers,
          collect() {
            this.reset();
            this.inc(read()[figure]);
          },
        });
      } else {
        new Gauge({
          name,
          help,
          registers,
          collect() {
            this.set(read()[figure]);
          },
        });
      }
    }
  };
  // The figures each group of series copies (read again at every scrape).
  const broker = () => sources.broker.stats();
  const engineResources = () => sources.engine().resources();
  const engineStats = () => sources.engine().stats();
  const triggers = () => sources.triggers();
  const history = () => sources.history();
  figures(broker, [
    ['isobar_mqtt_denied_publishes_total', 'deniedPublishes', 'PUBLISH refused by the topic ACL'],
    ['isobar_mqtt_denied_subscribes_total', 'deniedSubscribes', 'SUBSCRIBE filters refused by the topic ACL'],
    ['isobar_mqtt_limit_breaches_total', 'limitBreaches', 'Connections closed for breaching an MQTT limit'],
  ]);
  figures(engineResources, [
    ['isobar_engine_isolates', 'isolates', 'Isolates in the pool (idle and busy)'],
    ['isobar_engine_isolate_heap_bytes', 'isolateHeapBytes', 'Heap used by the pooled isolates'],
    ['isobar_engine_runs_running', 'runsRunning', 'Micro runs holding a run slot'],
    ['isobar_engine_runs_waiting', 'runsWaiting', 'Micro runs waiting for a run slot (queue depth)'],
  ]);
  figures(engineStats, [
    ['isobar_engine_contexts_built_total', 'contextsBuilt', 'Contexts built (warm and strict)'],
  ]);
  figures(triggers, [
    ['isobar_trigger_queue_depth', 'queued', 'Trigger and timer events queued for the dispatcher'],
    ['isobar_trigger_running', 'running', 'Trigger and timer runs in progress'],
    ['isobar_trigger_events_dropped_total', 'dropped', 'Trigger events refused because the queue was full'],
    ['isobar_trigger_events_failed_total', 'failed', 'Trigger and timer runs that failed'],
  ]);
  figures(history, [
    ['isobar_history_captured_total', 'captured', 'Messages accepted for message history'],
    ['isobar_history_written_total', 'written', 'Message-history writes confirmed stored'],
    ['isobar_history_dropped_total', 'dropped', 'Messages not kept in history because its buffer was full'],
    ['isobar_history_failed_total', 'failed', 'Messages lost because the history writer failed'],
    ['isobar_history_lag_messages', 'pending', 'Messages captured and not yet stored (the writer lag)'],
  ]);
  // Event-loop lag (isobar_nodejs_eventloop_lag_seconds and percentiles), process heap, GC, handles.
  collectDefaultMetrics({ register: registry, prefix: 'isobar_' });
  return registry;
}
