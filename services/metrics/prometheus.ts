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
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  counter(
    'isobar_mqtt_denied_publishes_total',
    'PUBLISH refused by the topic ACL',
    () => sources.broker.stats().deniedPublishes,
  );
  counter(
    'isobar_mqtt_denied_subscribes_total',
    'SUBSCRIBE filters refused by the topic ACL',
    () => sources.broker.stats().deniedSubscribes,
  );
  counter(
    'isobar_mqtt_limit_breaches_total',
    'Connections closed for breaching an MQTT limit',
    () => sources.broker.stats().limitBreaches,
  );
  gauge(
    'isobar_engine_isolates',
    'Isolates in the pool (idle and busy)',
    () => sources.engine().resources().isolates,
  );
  gauge(
    'isobar_engine_isolate_heap_bytes',
    'Heap used by the pooled isolates',
    () => sources.engine().resources().isolateHeapBytes,
  );
  gauge(
    'isobar_engine_runs_running',
    'Micro runs holding a run slot',
    () => sources.engine().resources().runsRunning,
  );
  gauge(
    'isobar_engine_runs_waiting',
    'Micro runs waiting for a run slot (queue depth)',
    () => sources.engine().resources().runsWaiting,
  );
  counter(
    'isobar_engine_contexts_built_total',
    'Contexts built (warm and strict)',
    () => sources.engine().stats().contextsBuilt,
  );
  gauge(
    'isobar_trigger_queue_depth',
    'Trigger and timer events queued for the dispatcher',
    () => sources.triggers().queued,
  );
  gauge('isobar_trigger_running', 'Trigger and timer runs in progress', () => sources.triggers().running);
  counter(
    'isobar_trigger_events_dropped_total',
    'Trigger events refused because the queue was full',
    () => sources.triggers().dropped,
  );
  counter(
    'isobar_trigger_events_failed_total',
    'Trigger and timer runs that failed',
    () => sources.triggers().failed,
  );
  counter(
    'isobar_history_captured_total',
    'Messages accepted for message history',
    () => sources.history().captured,
  );
  counter(
    'isobar_history_written_total',
    'Message-history writes confirmed stored',
    () => sources.history().written,
  );
  counter(
    'isobar_history_dropped_total',
    'Messages not kept in history because its buffer was full',
    () => sources.history().dropped,
  );
  counter(
    'isobar_history_failed_total',
    'Messages lost because the history writer failed',
    () => sources.history().failed,
  );
  gauge(
    'isobar_history_lag_messages',
    'Messages captured and not yet stored (the writer lag)',
    () => sources.history().pending,
  );
  // Event-loop lag (isobar_nodejs_eventloop_lag_seconds and percentiles), process heap, GC, handles.
  collectDefaultMetrics({ register: registry, prefix: 'isobar_' });
  return registry;
}
