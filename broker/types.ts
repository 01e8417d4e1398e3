// The broker's contract with the rest of the platform. The broker knows nothing of services: it asks a
// BrokerAuth (implemented in services/ over identity) and reports activity through BrokerEvents.

/** Who is on the other end of an MQTT connection (or who an internal publish acts for). */
export interface ClientIdentity {
  readonly kind: 'developer' | 'user' | 'device' | 'anon' | 'service';
  /** developer id, user_id, device name, or service instance id. */
  readonly id: string;
  /** email or device name. */
  readonly name: string;
  readonly systemKey: string;
  /** The token the client connected with (undefined for internal publishers). */
  readonly token?: string;
}

/** What the broker asks of the platform. Sync methods answer from memory; they run on every packet. */
export interface BrokerAuth {
  /** sync. CONNECT credentials → identity, or throws an IsobarError whose catalogue entry has `connack` (4 or 5). */
  authenticate(token: string, systemKey: string): ClientIdentity;
  /** sync. Duplicate client-id policy of a system. */
  duplicateClientId(systemKey: string): 'reject' | 'takeover';
  /** sync. */
  canPublish(identity: ClientIdentity, topic: string): boolean;
  /** sync. `filter` is the plain filter (for `$share/g/f`, `f`). */
  canSubscribe(identity: ClientIdentity, filter: string): boolean;
  /**
   * Auth over MQTT: systemKey, optional systemSecret, and the client id `email:password` or
   * `deviceName:activeKey`. Throws an IsobarError with `connack` on failure.
   */
  login(
    systemKey: string,
    systemSecret: string | undefined,
    clientId: string,
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

/** An internal subscriber's handler; messages arrive in order per subscription. */
export type InternalHandler = (message: BrokerMessage) => void;
