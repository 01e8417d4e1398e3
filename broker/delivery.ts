// Outgoing delivery per client. aedes delivers through whichever matching subscription fires first and
// dedupes the rest, so overlapping subscriptions could deliver at the lower QoS; this wrapper picks the
// highest QoS among the client's matching subscriptions [MQTT-3.3.5-1] and never above the message's.
// It also counts unacknowledged QoS 1/2 messages against the maxInflight limit, and bounds what is
// queued towards the client (outbox.ts).
import type { AedesPublishPacket } from 'aedes';
import { topicMatches } from '../runtime-api/topics.js';
import type { Session } from './client-ids.js';
import type { ClientInternals, DeliverFn } from './internal.js';
import { boundDelivery, type OutboxContext } from './outbox.js';

/** The client's granted QoS for `topic`: the highest among its matching subscriptions. */
function grantedQos(client: ClientInternals, topic: string): number {
  let only: string | undefined;
  let count = 0;
  for (const filter in client.subscriptions) {
    only = filter;
    if (++count > 1) break;
  }
  if (count === 1 && only !== undefined) return client.subscriptions[only].qos;
  let best = 0;
  for (const filter in client.subscriptions) {
    const qos = client.subscriptions[filter].qos;
    if (qos > best && topicMatches(filter, topic)) best = qos;
  }
  return best;
}

/**
 * Replaces the client's deliver functions; returns aedes' originals bounded by the outbox (shared
 * subscriptions choose QoS and count inflight themselves, but their copies queue like any other).
 */
export function wrapDelivery(
  client: ClientInternals,
  session: Session,
  ctx: OutboxContext,
): { deliver0: DeliverFn; deliverQoS: DeliverFn } {
  const aedes = { deliver0: client.deliver0, deliverQoS: client.deliverQoS };
  const bounded = boundDelivery(client, session, aedes, ctx);
  const { deliver0, deliverQoS } = bounded;
  const max = ctx.limits.maxInflight;
  const deliver = (packet: AedesPublishPacket, done: () => void) => {
    if (packet.qos === 0) return deliver0(packet, done);
    const qos = grantedQos(client, packet.topic);
    if (packet.qos > qos) packet.qos = qos as 0 | 1 | 2;
    if (packet.qos === 0) return deliver0(packet, done);
    if (++session.inflight > max) {
      ctx.onBreach();
      ctx.log.warn('mqtt limit maxInflight breached: connection closed', {
        systemKey: session.systemKey,
        clientId: session.clientId,
        value: session.inflight,
        max,
      });
      session.inflight = 0;
      client.conn.destroy();
      return done();
    }
    deliverQoS(packet, done);
  };
  client.deliver0 = deliver;
  client.deliverQoS = deliver;
  return bounded;
}
