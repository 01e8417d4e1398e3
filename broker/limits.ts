// README "Configuration" (ISOBAR_MQTT_* limits): per-packet limits (size, topic length and levels), connection count and connect
// rate per address. Each check names the limit it protects so the disconnect log line can say which.
// DESIGN.md "Security model": a smaller packet bound before authentication, and the bytes queued towards one client.
import type { Clock } from '../runtime-api/clock.js';
import type { BrokerLimits } from './types.js';

/** Defaults of the optional limits (services/config/options.ts documents the settings). */
export const DEFAULT_PRE_AUTH_PACKET_SIZE = 64 * 1024;
export const DEFAULT_MAX_QUEUED_BYTES = 4 * 1024 * 1024;

/** The limits with every optional one filled in. */
export function limitsWithDefaults(limits: BrokerLimits): Required<BrokerLimits> {
  return {
    ...limits,
    preAuthPacketSize: limits.preAuthPacketSize ?? DEFAULT_PRE_AUTH_PACKET_SIZE,
    maxQueuedBytes: limits.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES,
  };
}

/**
 * The limits a connection lives under until it is authenticated: its first packet (CONNECT, or every
 * packet on the auth-over-MQTT ports) may be no larger than `preAuthPacketSize`, so an unauthenticated
 * peer holds a few KiB, not a full `maxPacketSize`.
 */
export function preAuthLimits(limits: BrokerLimits): BrokerLimits {
  const bound = limitsWithDefaults(limits).preAuthPacketSize;
  return { ...limits, maxPacketSize: Math.min(limits.maxPacketSize, bound) };
}

/** A breached limit: which one, the value seen and the maximum. */
export interface Breach {
  readonly limit:
    | 'maxPacketSize'
    | 'maxTopicLength'
    | 'maxTopicLevels'
    | 'maxConnections'
    | 'connectRate'
    | 'maxInflight'
    | 'maxQueuedBytes';
  readonly value: number;
  readonly max: number;
}

/** The declared length of the packet a parser is in the middle of (mqtt-packet keeps it, untyped). */
export function partialLength(parser: object): number | undefined {
  const length = (parser as { packet?: { length?: unknown } }).packet?.length;
  return typeof length === 'number' && length >= 0 ? length : undefined;
}

/** Checks the declared length of a packet (known as soon as its fixed header is read). */
export function packetBreach(length: number | undefined, limits: BrokerLimits): Breach | undefined {
  return length !== undefined && length > limits.maxPacketSize
    ? { limit: 'maxPacketSize', value: length, max: limits.maxPacketSize }
    : undefined;
}

export interface AdmissionLimits {
  /** Called at CONNECT: a breach of the connection count or the per-address rate, or undefined. */
  admit(address: string): Breach | undefined;
  /** Called when an admitted connection closes. */
  release(): void;
  readonly connections: number;
}

/** Counts live connections and CONNECTs per address per second (a fixed one-second window). */
export function createAdmissionLimits(limits: BrokerLimits, clock: Clock): AdmissionLimits {
  let connections = 0;
  let windowStart = 0;
  const perAddress = new Map<string, number>();
  return {
    admit(address) {
      if (connections >= limits.maxConnections) {
        return { limit: 'maxConnections', value: connections + 1, max: limits.maxConnections };
      }
      if (limits.connectRate > 0) {
        const now = clock.now();
        if (now - windowStart >= 1000) {
          windowStart = now;
          perAddress.clear();
        }
        const seen = (perAddress.get(address) ?? 0) + 1;
        perAddress.set(address, seen);
        if (seen > limits.connectRate) return { limit: 'connectRate', value: seen, max: limits.connectRate };
      }
      connections++;
      return undefined;
    },
    release() {
      connections--;
    },
    get connections() {
      return connections;
    },
  };
}
