// The broker's contract with the rest of the platform. The broker knows nothing of services: it asks a
// BrokerAuth (implemented in services/ over identity) and reports activity through BrokerEvents.
import type { Duplex } from 'node:stream';
import type { Clock } from '../runtime-api/clock.js';
import type { Identity } from '../runtime-api/identity.js';
import type { Log } from '../runtime-api/log.js';

/** Platform code publishing or subscribing with no caller of its own: every topic of its system. */
export interface PlatformIdentity {
  readonly kind: 'service';
  /** The component or service instance, for logs. */
  readonly id: string;
  readonly name: string;
  readonly systemKey: string;
  readonly token?: undefined;
  readonly expiresAt?: undefined;
}

/**
 * Who is on the other end of an MQTT connection, or whom an internal publish acts for: the one identity
 * type (runtime-api/identity.ts) — a service's publishes carry its run-as identity as the engine got it —
 * or the platform itself.
 */
export type ClientIdentity = Identity | PlatformIdentity;

/** What the broker asks of the platform. Sync methods answer from memory; they run on every packet. */
export interface BrokerAuth {
  /** sync. CONNECT credentials → identity, or throws an IsobarError whose catalogue entry has `connack` (4 or 5). */
  authenticate(token: string, systemKey: string): ClientIdentity;
  /**
   * Cluster mode: called with the CONNECT token before `authenticate`, so a token issued on another node
   * is loaded first (services/cluster/README.md); never throws. Undefined on one node.
   */
  readonly lookup?: (token: string, systemKey: string | undefined) => Promise<void>;
  /** sync. Duplicate client-id policy for this connecting identity (usually its system's policy). */
  duplicateClientId(identity: ClientIdentity): 'reject' | 'takeover';
  /** sync. */
  canPublish(identity: ClientIdentity, topic: string): boolean;
  /** sync. `filter` is the plain filter (for `$share/g/f`, `f`). */
  canSubscribe(identity: ClientIdentity, filter: string): boolean;
  /**
   * Auth over MQTT: systemKey, optional systemSecret, and the client id `email:password` or
   * `deviceName:activeKey`; `address` is the client's, for the login throttle. Throws an IsobarError with
   * `connack` on failure (CB_ERR_AUTH_THROTTLED: 3).
   */
  login(
    systemKey: string,
    systemSecret: string | undefined,
    clientId: string,
    address?: string,
  ): Promise<{ token: string; id: string }>;
}

/** A message as the platform sees it (topics without any internal prefix). */
export interface BrokerMessage {
  readonly systemKey: string;
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
  /** The publisher; undefined for messages the platform itself publishes. */
  readonly publisher?: ClientIdentity;
  readonly clientId?: string;
  /** Remote address of the publishing connection, when there is one. */
  readonly address?: string;
  /** Service-publish chain depth (0 for device/app publishes). */
  readonly hop: number;
  /** Epoch ms when the broker accepted it. */
  readonly time: number;
}

/** Activity the broker reports. Registering no listener makes each event free. */
export interface BrokerEventMap {
  connected: { identity: ClientIdentity; clientId: string };
  disconnected: { identity: ClientIdentity; clientId: string };
  subscribed: { identity: ClientIdentity; clientId: string; filter: string; qos: number };
  unsubscribed: { identity: ClientIdentity; clientId: string; filter: string };
  /**
   * An internal subscriber (`subscribe()`: stream services, triggers) is in place: messages published
   * from now on reach it. `filter` as given (`$share/<group>/<f>` included); `identity` when made for one.
   */
  internalSubscribed: { systemKey: string; filter: string; identity?: ClientIdentity };
  /** Fired from aedes' `publish` event (never back-pressures publishers); includes internal publishes. */
  published: BrokerMessage;
  /** A PUBLISH refused by the ACL (dropped, counted). */
  denied: { identity: ClientIdentity; topic: string; action: 'publish' | 'subscribe' };
}

/** Options of an internal publish made by the platform or a service. */
export interface PublishOptions {
  readonly qos?: 0 | 1 | 2;
  readonly retain?: boolean;
  /** When set, the ACL of this identity applies (services); undefined = platform publish (no ACL). */
  readonly identity?: ClientIdentity;
  readonly hop?: number;
}

/**
 * What a client's allowed QoS 1/2 PUBLISH waits for before its PUBACK/PUBREC (durable message history);
 * undefined = nothing to wait for. A rejection closes the connection without the acknowledgement.
 */
export type AckGate = (message: BrokerMessage) => Promise<void> | undefined;

/** An internal subscriber's handler; messages arrive in order per subscription. */
export type InternalHandler = (message: BrokerMessage) => void;

/** Listener ports; 0 = any free port, -1 = disabled. */
export interface BrokerPorts {
  readonly tcp: number;
  readonly tls: number;
  readonly ws: number;
  readonly wss: number;
  readonly auth: number;
  readonly authTls: number;
  readonly authWs: number;
  readonly authWss: number;
}

/** Protections configured by the ISOBAR_MQTT_* limits (README "Configuration"); each breach disconnects only the offending client. */
export interface BrokerLimits {
  /** bytes */
  readonly maxPacketSize: number;
  /** characters */
  readonly maxTopicLength: number;
  readonly maxTopicLevels: number;
  readonly maxConnections: number;
  /** Unacknowledged outgoing QoS 1/2 messages per client (and inbound QoS 2 awaiting PUBREL). */
  readonly maxInflight: number;
  /** CONNECTs per second from one address; 0 = unlimited. */
  readonly connectRate: number;
  /** bytes; the largest packet before authentication (CONNECT, auth-over-MQTT ports). Default 64 KiB. */
  readonly preAuthPacketSize?: number;
  /** bytes not yet taken by one client; beyond, QoS 0 to it is dropped, QoS 1/2 closes it. Default 4 MiB. */
  readonly maxQueuedBytes?: number;
}

export interface BrokerOptions {
  /** Bind address of every listener. */
  readonly host: string;
  readonly ports: BrokerPorts;
  /** PEM file paths; undefined = a self-signed pair generated into `dataDir/tls` on first start. */
  readonly tls: { readonly cert: string; readonly key: string } | undefined;
  /** Holds the durable MQTT persistence (`mqtt/`) and the generated TLS pair (`tls/`). */
  readonly dataDir: string;
  readonly limits: BrokerLimits;
  /** Host put in the auth-over-MQTT messaging URL (`publicHost:mqttPort`). */
  readonly publicHost: string;
  /**
   * Seconds from accepting a connection to its complete CONNECT (TLS handshake and WebSocket upgrade
   * included); fractions allowed. Auth-over-MQTT connections are closed after it. Default 10.
   */
  readonly connectTimeout?: number;
  /** Count per-system traffic for metrics (default true); false leaves the message path untouched (benches). */
  readonly traffic?: boolean;
  /**
   * Cluster mode (services/cluster, README "Running a cluster"): the emitter and the persistence live in
   * Redis, shared by every node; undefined = one node on the embedded LevelDB persistence.
   */
  readonly cluster?: BrokerClusterOptions;
}

/** How one broker joins the others of a cluster. */
export interface BrokerClusterOptions {
  /** redis://host:port shared by every node. */
  readonly redisUrl: string;
  /** This node's id: aedes' broker id, the owner recorded for its client ids and shared-group members. */
  readonly nodeId: string;
  /** Seconds between heartbeats; a node silent for 3 is dead (its wills fire within 7). */
  readonly heartbeatS: number;
}

/** Actual listener ports after `listen()`; null = disabled. */
export interface ListeningPorts {
  mqtt: number | null;
  mqtts: number | null;
  ws: number | null;
  wss: number | null;
  auth: number | null;
  authTls: number | null;
  authWs: number | null;
  authWss: number | null;
}

/** Counters for operators and benches. */
export interface BrokerStats {
  readonly connections: number;
  readonly deniedPublishes: number;
  readonly deniedSubscribes: number;
  readonly limitBreaches: number;
  /** QoS 0 messages dropped because their subscriber had `maxQueuedBytes` queued. */
  readonly droppedDeliveries: number;
}

/**
 * One system's traffic since start (services/metrics reads it at scrape time). `received` counts PUBLISH
 * from clients and from the platform/services by QoS; `sent` counts messages handed to clients by the QoS
 * they go out with; bytes are payload bytes; `dropped` are QoS 0 messages dropped for a stalled client.
 */
export interface SystemTraffic {
  readonly connections: number;
  readonly received: readonly [number, number, number];
  readonly sent: readonly [number, number, number];
  readonly bytesReceived: number;
  readonly bytesSent: number;
  readonly dropped: number;
}

/** The embedded MQTT broker as the platform uses it. */
export interface Broker {
  /** Opens every enabled listener; answers the actual ports. */
  listen(): Promise<ListeningPorts>;
  /**
   * Hands one connection to the connect gate as a listener does (the gate's connect timeout and pre-auth
   * bounds apply; the listener's accept deadline and frame bounds do not): in-memory duplex streams for
   * broker unit tests (aedes `handle(stream)`).
   */
  handle(conn: Duplex, address?: string): void;
  /** Internal publish into one system's topic space; ACL of `opts.identity` when given. */
  publish(systemKey: string, topic: string, payload: Buffer | string, opts?: PublishOptions): Promise<void>;
  /** Internal subscriber (also `$share/<group>/<filter>`); resolves to its unsubscribe function. */
  subscribe(
    systemKey: string,
    filter: string,
    handler: InternalHandler,
    opts?: { readonly identity?: ClientIdentity; readonly qos?: 0 | 1 | 2 },
  ): Promise<() => Promise<void>>;
  /** Cheap: does any client or internal subscriber of `systemKey` match `topic`? */
  hasSubscribers(systemKey: string, topic: string): boolean;
  /** Sets the one AckGate (durable message history); returns its remover. */
  beforeAck(gate: AckGate): () => void;
  /** Registers a listener; events nobody listens to are never built. Returns a remover. */
  on<K extends keyof BrokerEventMap>(event: K, listener: (event: BrokerEventMap[K]) => void): () => void;
  /** Closes every connection authenticated with one of these tokens. */
  disconnectTokens(tokens: readonly string[]): void;
  /**
   * After an identity change in `systemKey` (roles, memberships, deletions): closes the connections that
   * no longer authenticate and drops every subscription — of MQTT clients and of internal subscribers
   * made for an identity — that the ACL no longer allows. Synchronous; runs over the system's connections.
   */
  recheckAccess(systemKey: string): void;
  stats(): BrokerStats;
  /** Per-system traffic counters (empty when `options.traffic` is false): a live view, read, do not keep. */
  traffic(): ReadonlyMap<string, SystemTraffic>;
  /** Subscriptions of connected clients per system (one pass over the clients). */
  subscriptionCounts(): Map<string, number>;
  /** Connected clients of `systemKey` subscribed to a filter matching `topic` (one pass, when asked). */
  subscriberCount(systemKey: string, topic: string): number;
  /** Retained messages per system (one scan of the retained store). */
  retainedCounts(): Promise<Map<string, number>>;
  /** Stops listening, closes clients, flushes persistence; idempotent. */
  close(): Promise<void>;
}

/** What the broker is built from besides its options. */
export interface BrokerDeps {
  readonly auth: BrokerAuth;
  readonly log: Log;
  readonly clock: Clock;
}
