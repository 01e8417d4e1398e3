// The in-process bus for platform events (identity changes, MQTT activity) that triggers, event topics,
// history and edges consume. Emitting with no listener costs one map lookup. The emitter is the broker's
// generic one (broker/events.ts typedEvents): services may import the broker, never the reverse.
import { typedEvents, type TypedEvents } from '../../broker/events.js';

/** What every event carries beyond its own payload. */
export interface EventBase {
  readonly systemKey: string;
}

export interface UserRef {
  readonly user_id: string;
  readonly email: string;
  readonly creation_date?: number;
}

/** Device as handed to triggers (reference §4.3 DeviceCreated). */
export interface DeviceEventRecord {
  readonly name: string;
  readonly allow_certificate_auth: boolean;
  readonly allow_key_auth: boolean;
  readonly certificate: string;
  readonly created_date: number;
  readonly description: string;
  readonly device_key: string;
  readonly enabled: boolean;
  readonly last_active_date: number | null;
  readonly system_key: string;
  readonly type: string;
  readonly state: string;
}

export interface PlatformEventMap {
  'user.created': EventBase & { readonly user: UserRef };
  'user.updated': EventBase & { readonly user: UserRef; readonly changes: Readonly<Record<string, unknown>> };
  'user.deleted': EventBase & { readonly user: UserRef };
  'user.roleAdded': EventBase & {
    readonly userId: string;
    readonly roleId: string;
    readonly roleName: string;
  };
  'user.roleRemoved': EventBase & {
    readonly userId: string;
    readonly roleId: string;
    readonly roleName: string;
  };
  'device.created': EventBase & { readonly device: DeviceEventRecord };
  'device.updated': EventBase & {
    readonly deviceName: string;
    readonly changes: Readonly<Record<string, unknown>>;
  };
  'device.deleted': EventBase & { readonly device: DeviceEventRecord };
  /** Roles or role membership changed: permission caches are already updated when this fires. */
  'roles.changed': EventBase;
  /** These tokens no longer authenticate; live connections using them must close. */
  'tokens.revoked': { readonly tokens: readonly string[] };
  'system.deleted': EventBase;
  // StartConnectDisconnect edge events (reference §4.3; trigger params `{}`). On the platform: an edge of the
  // system connected or went away. On an edge (`edge` is its own name): it started, or its platform
  // became reachable or unreachable.
  'edge.connected': EventBase & { readonly edge: string };
  'edge.disconnected': EventBase & { readonly edge: string };
  'edge.started': EventBase & { readonly edge: string };
  'edge.platformConnected': EventBase & { readonly edge: string };
  'edge.platformDisconnected': EventBase & { readonly edge: string };
  // Collections (reference §4.3 Data module): a developer made, changed or removed a collection.
  'collection.created': CollectionEventBase;
  'collection.updated': CollectionEventBase;
  'collection.deleted': CollectionEventBase;
  // Items written through REST or a service; `query` is the update/delete query as the caller sent it.
  'item.created': CollectionEventBase & { readonly itemIds: readonly string[] };
  'item.updated': CollectionEventBase & { readonly itemIds: readonly string[]; readonly query: unknown };
  'item.deleted': CollectionEventBase & { readonly itemIds: readonly string[]; readonly query: unknown };
}

/** What every Data event carries (trigger filter keys `collectionId`, `collectionName`). */
export interface CollectionEventBase extends EventBase {
  readonly collectionId: string;
  readonly collectionName: string;
}

export type PlatformEventName = keyof PlatformEventMap;

/** A typed synchronous event bus; listeners must not throw (errors are caught and logged by the emitter's owner). */
export type PlatformEvents = TypedEvents<PlatformEventMap>;

/** Creates the bus; a throwing listener is reported through `onError` and does not stop the others. */
export function createPlatformEvents(onError: (name: string, err: unknown) => void): PlatformEvents {
  return typedEvents<PlatformEventMap>(onError);
}
