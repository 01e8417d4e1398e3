// `$SYS/broker/...` as Mosquitto names them, published into each system's own topic space with that
// system's own figures — a tenant never sees another tenant's activity. Every `intervalMs` (Mosquitto's
// sys_interval, default 10 s), only for systems with a client connected and only the topics someone
// subscribes to, so an unwatched `$SYS` costs one matcher lookup per topic per connected system. A client
// that subscribes to a `$SYS` filter gets its system's figures at once instead of waiting an interval.
// Who may subscribe: developers of the system, and users/devices whose role covers the filter
// (`$SYS/#` is not matched by `#` [MQTT-4.7.2-1]). Clients can never publish to `$SYS/` (reserved).
import type { BrokerEventMap } from '../../broker/types.js';
import { topicMatches } from '../../runtime-api/topics.js';
import type { Clock } from '../kernel/clock.js';
import type { Log } from '../kernel/log.js';
import type { Series } from './series.js';
import type { MetricsSources } from './sources.js';

const SYS_PREFIX = '$SYS/broker/';

/** Every topic published, under SYS_PREFIX (Mosquitto's names). */
const SYS_TOPICS: readonly string[] = [
  'version',
  'uptime',
  'clients/connected',
  'messages/received',
  'messages/sent',
  'publish/messages/received',
  'publish/messages/sent',
  'publish/messages/dropped',
  'bytes/received',
  'bytes/sent',
  'subscriptions/count',
  'retained messages/count',
  ...['received', 'sent'].flatMap((d) => ['1min', '5min', '15min'].map((p) => `load/messages/${d}/${p}`)),
];

const RETAINED_TOPIC = `${SYS_PREFIX}retained messages/count`;

export interface SysTopics {
  /** Publishes every watched topic of every connected system now (the timer calls it; tests may too). */
  publishAll(): Promise<void>;
  /** Publishes the watched topics of one system. */
  publishSystem(systemKey: string, only?: string): Promise<void>;
  start(): void;
  close(): void;
}

/** The figures of one system as `[topic, payload]` pairs; payloads are plain text numbers as Mosquitto's. */
async function figures(
  systemKey: string,
  deps: {
    sources: MetricsSources;
    series: Series;
    /** Undefined when nobody watches the retained count (its scan is skipped). */
    retained: (() => Promise<Map<string, number>>) | undefined;
    startedAt: number;
    now: number;
    version: string;
  },
): Promise<Array<[string, string]>> {
  const { sources } = deps;
  const t = sources.broker.traffic().get(systemKey);
  const received = t === undefined ? 0 : t.received[0] + t.received[1] + t.received[2];
  const sent = t === undefined ? 0 : t.sent[0] + t.sent[1] + t.sent[2];
  const loads = deps.series.loads(systemKey);
  const fixed = (n: number) => (Math.round(n * 100) / 100).toFixed(2);
  const list: Array<[string, string]> = [
    ['version', `isobar version ${deps.version}`],
    ['uptime', `${String(Math.floor((deps.now - deps.startedAt) / 1000))} seconds`],
    ['clients/connected', String(t?.connections ?? 0)],
    ['messages/received', String(received)],
    ['messages/sent', String(sent)],
    ['publish/messages/received', String(received)],
    ['publish/messages/sent', String(sent)],
    ['publish/messages/dropped', String(t?.dropped ?? 0)],
    ['bytes/received', String(t?.bytesReceived ?? 0)],
    ['bytes/sent', String(t?.bytesSent ?? 0)],
    ['subscriptions/count', String(sources.broker.subscriptionCounts().get(systemKey) ?? 0)],
  ];
  if (deps.retained !== undefined)
    list.push(['retained messages/count', String((await deps.retained()).get(systemKey) ?? 0)]);
  const periods = ['1min', '5min', '15min'];
  for (let i = 0; i < 3; i++) {
    list.push([`load/messages/received/${periods[i]}`, fixed(loads.received[i])]);
    list.push([`load/messages/sent/${periods[i]}`, fixed(loads.sent[i])]);
  }
  return list.map(([name, payload]) => [SYS_PREFIX + name, payload]);
}

/** Builds the publisher; nothing runs until `start()`. `intervalMs` 0 disables the periodic publish. */
export function createSysTopics(
  options: { readonly intervalMs: number; readonly version: string },
  deps: {
    readonly sources: MetricsSources;
    readonly series: Series;
    readonly retained: () => Promise<Map<string, number>>;
    readonly clock: Clock;
    readonly log: Log;
    readonly startedAt: number;
    readonly on: <K extends keyof BrokerEventMap>(event: K, l: (e: BrokerEventMap[K]) => void) => () => void;
  },
): SysTopics {
  const { sources, clock, log } = deps;
  let cancel: (() => void) | undefined;
  let off: (() => void) | undefined;
  let closed = false;

  const publishSystem = async (systemKey: string, only?: string) => {
    const broker = sources.broker;
    const watched = (topic: string) =>
      only !== undefined ? topicMatches(only, topic) : broker.hasSubscribers(systemKey, topic);
    // Nothing is computed for a system nobody watches (one matcher lookup per topic name).
    const topics = new Set(SYS_TOPICS.map((name) => SYS_PREFIX + name).filter(watched));
    if (topics.size === 0) return;
    const all = await figures(systemKey, {
      ...deps,
      retained: topics.has(RETAINED_TOPIC) ? deps.retained : undefined,
      now: clock.now(),
      version: options.version,
    });
    for (const [topic, payload] of all) {
      if (topics.has(topic)) await broker.publish(systemKey, topic, payload, { qos: 0 });
    }
  };

  const publishAll = async () => {
    // Only systems with a client connected can have a watcher; publishSystem asks per topic.
    for (const [systemKey, t] of sources.broker.traffic())
      if (t.connections > 0) await publishSystem(systemKey);
  };

  const tick = () => {
    if (closed) return;
    publishAll()
      .catch((err: unknown) => log.warn('$SYS publish failed', { err: String(err) }))
      .finally(() => {
        if (!closed) cancel = clock.setTimer(options.intervalMs, tick);
      });
  };

  return {
    publishAll,
    publishSystem,
    start() {
      if (closed || off !== undefined) return;
      // A new `$SYS` watcher gets its figures now (after aedes added the subscription, so it receives them).
      off = deps.on('subscribed', (e) => {
        if (!e.filter.startsWith('$SYS/')) return;
        publishSystem(e.identity.systemKey, e.filter).catch((err: unknown) =>
          log.warn('$SYS publish failed', { err: String(err) }),
        );
      });
      if (options.intervalMs > 0) cancel = clock.setTimer(options.intervalMs, tick);
    },
    close() {
      closed = true;
      cancel?.();
      off?.();
    },
  };
}
