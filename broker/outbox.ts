// What one client may have queued towards it (docs/security.md, MQTT connections). aedes completes a delivery only once
// the client's socket has taken it: that back-pressure slows publishers to a subscriber that reads
// slowly, but a subscriber that stops reading holds one of aedes' 100 shared delivery slots per message
// for up to aedes' drain timeout (60 s), so every publisher of every system stalls behind it and its
// queue grows until, when it leaves, the queue drains recursively (mq.ts).
//
// Here a client keeps aedes' pacing while it makes progress. A client with deliveries outstanding that
// takes nothing for `stallMs`, or that has more than `maxQueuedBytes` not yet taken, is *stalled*: its
// held slots are released, and until it has taken everything its deliveries complete at hand-off,
// bounded by `maxQueuedBytes` — beyond it a QoS 0 message is dropped and counted (at most once), a
// QoS 1/2 message closes the connection (a persistent session keeps the message).
import type { AedesPublishPacket } from 'aedes';
import type { Clock } from '../runtime-api/clock.js';
import type { Log } from '../runtime-api/log.js';
import type { Session } from './client-ids.js';
import type { ClientInternals, DeliverFn } from './internal.js';
import { limitsWithDefaults } from './limits.js';
import type { BrokerLimits } from './types.js';

/** How long a client with deliveries outstanding may take nothing before it stops pacing publishers. */
export const STALL_MS = 1000;

/** Bytes a packet takes on the wire, near enough (fixed header, topic, packet id, payload). */
function wireSize(packet: AedesPublishPacket): number {
  return 9 + packet.topic.length + (Buffer.isBuffer(packet.payload) ? packet.payload.length : 0);
}

export interface OutboxContext {
  readonly limits: BrokerLimits;
  readonly log: Log;
  readonly clock: Clock;
  /** A QoS 0 message dropped for a stalled client. */
  readonly onDrop: () => void;
  /** A limit breach that closed the connection. */
  readonly onBreach: () => void;
  /** Overrides STALL_MS (tests). */
  readonly stallMs?: number;
}

/**
 * Bounds aedes' deliver functions of one client (see the file comment); answers the bounded versions.
 * `original` must be aedes' own functions, read before the client's are replaced.
 */
export function boundDelivery(
  client: ClientInternals,
  session: Session,
  original: { readonly deliver0: DeliverFn; readonly deliverQoS: DeliverFn },
  ctx: OutboxContext,
): { deliver0: DeliverFn; deliverQoS: DeliverFn } {
  const { clock, log } = ctx;
  const max = limitsWithDefaults(ctx.limits).maxQueuedBytes;
  const stallMs = ctx.stallMs ?? STALL_MS;
  const who = { systemKey: session.systemKey, clientId: session.clientId };
  let queued = 0; // bytes handed to aedes for this client whose write has not completed
  let stalled = false;
  let dropped = 0;
  let lastProgress = 0;
  let cancelWatch: (() => void) | undefined;
  const held = new Set<() => void>(); // completions of paced deliveries not yet given back to aedes

  const stall = (why: string) => {
    if (!stalled) log.warn('mqtt slow subscriber: no longer pacing publishers', { ...who, why, queued, max });
    stalled = true;
    for (const release of [...held]) release();
  };
  const progress = () => {
    lastProgress = clock.now();
    if (stalled && queued === 0) {
      stalled = false;
      log.info('mqtt slow subscriber caught up', { ...who, dropped });
      dropped = 0;
    }
  };
  const watch = () => {
    cancelWatch = undefined;
    if (held.size === 0 || client.conn.destroyed) return;
    const idle = clock.now() - lastProgress;
    if (idle >= stallMs) stall(`took nothing for ${String(idle)} ms`);
    else cancelWatch = clock.setTimer(stallMs - idle, watch);
  };
  client.conn.once('close', () => cancelWatch?.());

  /** Hands a packet to aedes; `pace` = complete `done` only once the client has taken it. */
  const hand = (
    deliver: DeliverFn,
    packet: AedesPublishPacket,
    size: number,
    done: () => void,
    pace: boolean,
  ) => {
    queued += size;
    if (!pace) {
      deliver(packet, () => {
        queued -= size;
        progress();
      });
      return done();
    }
    if (held.size === 0) lastProgress = clock.now(); // the stall clock starts with something outstanding
    let finished = false;
    const release = () => {
      if (finished) return;
      finished = true;
      held.delete(release);
      done();
    };
    held.add(release);
    cancelWatch ??= clock.setTimer(stallMs, watch);
    deliver(packet, () => {
      queued -= size;
      progress();
      release();
    });
  };
  /** Whether a live message of `size` bytes fits; past the bound the client counts as stalled. */
  const fits = (size: number): boolean => {
    if (queued === 0 || queued + size <= max) return true; // one message always goes
    stall(`more than ${String(max)} bytes not taken`);
    return false;
  };

  return {
    deliver0(packet, done) {
      // Retained messages at SUBSCRIBE (the only outgoing PUBLISH with retain set under MQTT 3.1.1) come
      // from aedes' own stream, which waits for each callback and holds no shared slot: always paced.
      const size = wireSize(packet);
      if (packet.retain) return hand(original.deliver0, packet, size, done, true);
      if (fits(size)) return hand(original.deliver0, packet, size, done, !stalled);
      if (dropped++ === 0) log.warn('mqtt slow subscriber: dropping QoS 0 messages', { ...who, queued, max });
      ctx.onDrop();
      done();
    },
    deliverQoS(packet, done) {
      const size = wireSize(packet);
      if (packet.retain) return hand(original.deliverQoS, packet, size, done, true);
      if (fits(size)) return hand(original.deliverQoS, packet, size, done, !stalled);
      ctx.onBreach();
      log.warn('mqtt limit maxQueuedBytes breached: connection closed', {
        ...who,
        value: queued + size,
        max,
      });
      client.conn.destroy();
      done();
    },
  };
}
