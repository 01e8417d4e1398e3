// The few aedes 1.2 internals the broker relies on, typed in one place. aedes has no hook for
// UNSUBSCRIBE, for outgoing QoS choice or for the packet stream, so the broker reaches into the
// client object here and nowhere else; `test/broker/*` pins the behaviour should aedes change.
import type { EventEmitter } from 'node:events';
import type { Duplex, Readable } from 'node:stream';
import type { Aedes, AedesPublishPacket, Client } from 'aedes';
import type { IPacket } from 'mqtt-packet';
import type { Session } from './client-ids.js';

export type DeliverFn = (packet: AedesPublishPacket, done: () => void) => void;

/** What aedes keeps per subscription. */
export interface AedesSubscription {
  qos: number;
}

/** The parts of an aedes Client we use beyond its public type. */
export interface ClientInternals extends Client {
  id: string;
  clean: boolean;
  conn: Duplex;
  /** The packet parser: we prepend a listener to check and rewrite every packet before aedes sees it. */
  _parser: EventEmitter & { parse(buf: Buffer): number };
  /** The deliver functions every subscription calls (read when the subscription is added). */
  deliver0: DeliverFn;
  deliverQoS: DeliverFn;
  subscriptions: Record<string, AedesSubscription>;
  /** Next outgoing packet id; shared subscriptions allocate from it to track acknowledgements. */
  _nextId: number;
  _will: { topic: string; payload: Buffer; qos: 0 | 1 | 2; retain: boolean } | null;
  /** Ours: the session this client authenticated as (set when the gate hands the connection over). */
  isobarSession?: Session;
}

/** Views an aedes Client with its internals. */
export function internals(client: Client): ClientInternals {
  return client as ClientInternals;
}

/** The aedes broker with the matcher of its emitter (for `hasSubscribers`). */
export interface AedesInternals extends Aedes {
  clients: Record<string, Client>;
  mq: { _matcher: { match(topic: string): unknown[] } };
  persistence: AsyncPersistence;
}

/** Views the aedes broker with its internals. */
export function brokerInternals(aedes: Aedes): AedesInternals {
  return aedes as AedesInternals;
}

/** The async persistence API of aedes 1.x (aedes-persistence-level's asyncPersistence.js). */
export interface AsyncPersistence {
  setup(broker: Aedes): Promise<void>;
  outgoingEnqueue(sub: { clientId: string }, packet: AedesPublishPacket): Promise<void>;
  outgoingClearMessageId(client: { id: string }, packet: { messageId: number }): Promise<unknown>;
  removeSubscriptions(client: { id: string }, topics: string[]): Promise<void>;
  streamWill(brokers?: Record<string, number>): AsyncIterable<AedesPublishPacket & { clientId: string }>;
  delWill(client: { id: string; brokerId?: string }): Promise<unknown>;
  /** Retained messages matching `pattern` (aedes-persistence-level scans the whole retained range). */
  createRetainedStream(pattern: string): Readable;
  destroy(): Promise<void>;
}

/** A packet as mqtt-packet parses it off the wire. */
export type WirePacket = IPacket & Record<string, unknown>;
