// Per-system traffic counters for metrics and `$SYS` (services/metrics). They are plain integers bumped on
// the paths the broker already runs — the parser listener of each client and its deliver functions — and
// read only when someone scrapes; nothing here allocates per message. Subscriptions and retained messages
// are counted when asked (one pass over the clients, one scan of the retained store), never kept.
import type { AedesPublishPacket } from 'aedes';
import type { AedesInternals, AsyncPersistence, ClientInternals, DeliverFn, WirePacket } from './internal.js';
import { topicMatches } from '../runtime-api/topics.js';
import { fromInternal, parsePlaceholder, stripFor } from './tenancy.js';
import type { SystemTraffic } from './types.js';

/** One mutable counter set per system; `Session`s hold theirs so the hot path does no lookup. */
export interface MutableTraffic extends SystemTraffic {
  connections: number;
  received: [number, number, number];
  sent: [number, number, number];
  bytesReceived: number;
  bytesSent: number;
  dropped: number;
}

/** The counters of every system seen since start. */
export class TrafficCounters {
  readonly #bySystem = new Map<string, MutableTraffic>();

  /** The counters of `systemKey`, created at first use. */
  of(systemKey: string): MutableTraffic {
    let t = this.#bySystem.get(systemKey);
    if (t === undefined) {
      t = {
        connections: 0,
        received: [0, 0, 0],
        sent: [0, 0, 0],
        bytesReceived: 0,
        bytesSent: 0,
        dropped: 0,
      };
      this.#bySystem.set(systemKey, t);
    }
    return t;
  }

  /** Live view (readers must not keep it across turns if they need a fixed figure: copy). */
  get bySystem(): ReadonlyMap<string, SystemTraffic> {
    return this.#bySystem;
  }

  /** Counts one message published by the platform or a service into `systemKey`. */
  published(systemKey: string, qos: 0 | 1 | 2, bytes: number): void {
    const t = this.of(systemKey);
    t.received[qos]++;
    t.bytesReceived += bytes;
  }
}

const payloadBytes = (payload: unknown): number => (Buffer.isBuffer(payload) ? payload.length : 0);

/**
 * Counts what one admitted client publishes (after the checks of inbound.ts: a refused packet has been
 * renamed and is not counted) and what is handed to it. Call before `wrapDelivery`, so the outbox bounds
 * these counting deliver functions: a message the outbox drops is never counted as sent.
 */
export function countClientTraffic(client: ClientInternals, traffic: MutableTraffic): void {
  client._parser.on('packet', (packet: WirePacket) => {
    if (packet.cmd !== 'publish') return;
    const qos = Number(packet.qos);
    if (qos === 0 || qos === 1 || qos === 2) traffic.received[qos]++;
    traffic.bytesReceived += payloadBytes(packet.payload);
  });
  const counted = (deliver: DeliverFn): DeliverFn => {
    return (packet: AedesPublishPacket, done: () => void) => {
      traffic.sent[packet.qos]++;
      traffic.bytesSent += payloadBytes(packet.payload);
      deliver(packet, done);
    };
  };
  client.deliver0 = counted(client.deliver0);
  client.deliverQoS = counted(client.deliverQoS);
}

/** Subscriptions of connected clients, per system (one pass over the clients; offline sessions not included). */
export function subscriptionCounts(aedes: AedesInternals): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id in aedes.clients) {
    const client = aedes.clients[id] as ClientInternals;
    const systemKey = client.isobarSession?.systemKey;
    if (systemKey === undefined) continue;
    let n = 0;
    for (const filter in client.subscriptions) if (filter.length > 0) n++;
    counts.set(systemKey, (counts.get(systemKey) ?? 0) + n);
  }
  return counts;
}

/** Retained messages per system: one scan of the store (cost grows with the retained messages held). */
export async function retainedCounts(persistence: AsyncPersistence): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  // The store matches with qlobber, where `#` covers every topic (no MQTT `$` rule): one pass sees all.
  const stream = persistence.createRetainedStream('#');
  for await (const packet of stream as AsyncIterable<{ topic: string }>) {
    const where = fromInternal(packet.topic);
    if (where !== undefined) counts.set(where.systemKey, (counts.get(where.systemKey) ?? 0) + 1);
  }
  return counts;
}

/**
 * Connected clients of `systemKey` with at least one subscription (plain or `$share`) matching `topic`
 * (ClearBlade's `/api/v/3/message/{sk}/subscribers/{topic}`): one pass over the clients, when asked.
 */
export function subscriberCount(aedes: AedesInternals, systemKey: string, topic: string): number {
  let n = 0;
  for (const id in aedes.clients) {
    const client = aedes.clients[id] as ClientInternals;
    if (client.isobarSession?.systemKey !== systemKey) continue;
    for (const internal in client.subscriptions) {
      const filter = stripFor(systemKey, internal) ?? parsePlaceholder(internal)?.filter;
      if (filter !== undefined && topicMatches(filter, topic)) {
        n++;
        break;
      }
    }
  }
  return n;
}
