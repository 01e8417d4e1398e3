// What one client may have queued towards it (docs/security.md, MQTT connections). aedes completes a delivery only once
// the socket has drained, so a subscriber that stops reading holds one of aedes' 100 shared delivery
// slots per message for up to aedes' drain timeout (60 s): every publisher of every system stalls behind
// it, its queue grows without bound, and when the subscriber leaves the queue drains recursively (see
// mq.ts). Here a delivery completes as soon as it is handed to the client's connection, and the bytes a
// client has not yet taken are bounded by `maxQueuedBytes`: beyond it, QoS 0 messages to that client
// are dropped and counted (at most once [MQTT-4.3.1]), and a QoS 1/2 message closes the connection (its
// persistent session, if any, keeps the message for the next connection).
import type { AedesPublishPacket } from 'aedes';
import type { Log } from '../runtime-api/log.js';
import type { Session } from './client-ids.js';
import type { ClientInternals, DeliverFn } from './internal.js';
import { limitsWithDefaults } from './limits.js';
import type { BrokerLimits } from './types.js';

/** Bytes a packet takes on the wire, near enough (fixed header, topic, packet id, payload). */
function wireSize(packet: AedesPublishPacket): number {
  return 9 + packet.topic.length + (Buffer.isBuffer(packet.payload) ? packet.payload.length : 0);
}

export interface OutboxContext {
  readonly limits: BrokerLimits;
  readonly log: Log;
  /** A QoS 0 message dropped for a slow client. */
  readonly onDrop: () => void;
  /** A limit breach that closed the connection. */
  readonly onBreach: () => void;
}

/**
 * Bounds aedes' deliver functions of one client: answers versions that complete at once and refuse
 * (drop, or close for QoS 1/2) what would queue more than `maxQueuedBytes` for this client.
 */
export function boundDelivery(
  client: ClientInternals,
  session: Session,
  original: { readonly deliver0: DeliverFn; readonly deliverQoS: DeliverFn },
  ctx: OutboxContext,
): { deliver0: DeliverFn; deliverQoS: DeliverFn } {
  const { deliver0, deliverQoS } = original; // read once: the client's own functions get replaced
  const max = limitsWithDefaults(ctx.limits).maxQueuedBytes;
  const who = { systemKey: session.systemKey, clientId: session.clientId };
  let queued = 0;
  let dropped = 0;

  const admit = (packet: AedesPublishPacket): number | undefined => {
    const size = wireSize(packet);
    // one message always goes when nothing is queued, so a packet above the bound is still deliverable
    if (queued === 0 || queued + size <= max) {
      if (dropped > 0) {
        ctx.log.info('mqtt slow subscriber caught up', { ...who, dropped });
        dropped = 0;
      }
      queued += size;
      return size;
    }
    return undefined;
  };
  const hand = (deliver: DeliverFn, packet: AedesPublishPacket, size: number, done: () => void) => {
    deliver(packet, () => {
      queued -= size;
    });
    done(); // never hold aedes' delivery slot while this client's socket drains
  };
  // Retained messages replayed at SUBSCRIBE (the only outgoing PUBLISH with retain set under MQTT 3.1.1)
  // come from aedes' own stream, which waits for each callback: it holds no shared slot, so it keeps its
  // pace (completion after the write) and is never dropped; its bytes still count for live messages.
  const replay = (deliver: DeliverFn, packet: AedesPublishPacket, done: () => void) => {
    const size = wireSize(packet);
    queued += size;
    deliver(packet, () => {
      queued -= size;
      done();
    });
  };

  return {
    deliver0(packet, done) {
      if (packet.retain) return replay(deliver0, packet, done);
      const size = admit(packet);
      if (size !== undefined) return hand(deliver0, packet, size, done);
      if (dropped++ === 0) {
        ctx.log.warn('mqtt slow subscriber: dropping QoS 0 messages', { ...who, queued, max });
      }
      ctx.onDrop();
      done();
    },
    deliverQoS(packet, done) {
      if (packet.retain) return replay(deliverQoS, packet, done);
      const size = admit(packet);
      if (size !== undefined) return hand(deliverQoS, packet, size, done);
      ctx.onBreach();
      ctx.log.warn('mqtt limit maxQueuedBytes breached: connection closed', {
        ...who,
        value: queued + wireSize(packet),
        max,
      });
      client.conn.destroy();
      done();
    },
  };
}
