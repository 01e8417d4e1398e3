// Builds the `req.params` a trigger service receives (reference §4.3, plus `trigger: "Module::Action"`)
// from broker activity and platform events. The same object, as JSON, is the payload of the matching
// `$trigger/...` event topic. Every builder copies what it keeps: the source objects are not retained.

import type { BrokerMessage, ClientIdentity } from '../../../broker/types.js';
import type { DeviceEventRecord, PlatformEventMap, UserRef } from '../../kernel/events.js';
import type { ActionKey } from './definitions.js';

/** One event, ready for matching (filters) and delivery (params). */
export interface TriggerEvent {
  readonly systemKey: string;
  readonly action: ActionKey;
  /** `req.params` exactly, including `trigger`. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Values matched against `key_value_pairs` (`topic` by MQTT filter, the rest exactly). */
  readonly filterValues: Readonly<Record<string, string>>;
  /** Depth of the service-publish chain that caused the event (0 for anything not caused by a service). */
  readonly hop: number;
}

function event(
  systemKey: string,
  action: ActionKey,
  params: Record<string, unknown>,
  filterValues: Record<string, string>,
  hop = 0,
): TriggerEvent {
  return { systemKey, action, params: { ...params, trigger: action }, filterValues, hop };
}

/** Messaging::Publish: `{topic, body, userId}` (body as UTF-8 text). */
export function publishEvent(message: BrokerMessage): TriggerEvent {
  return event(
    message.systemKey,
    'Messaging::Publish',
    { topic: message.topic, body: message.payload.toString('utf8'), userId: message.publisher?.id ?? '' },
    { topic: message.topic },
    message.hop,
  );
}

/** Messaging::Subscribe / Unsubscribe: `{topic, body, userId}` with the filter as topic and an empty body. */
export function subscriptionEvent(
  action: 'Messaging::Subscribe' | 'Messaging::Unsubscribe',
  identity: ClientIdentity,
  filter: string,
): TriggerEvent {
  return event(
    identity.systemKey,
    action,
    { topic: filter, body: '', userId: identity.id },
    { topic: filter },
  );
}

/** The kinds of client that have connect triggers: the action's word and the params key naming the client. */
const CONNECTING: Partial<Record<ClientIdentity['kind'], readonly ['User' | 'Device', string]>> = {
  user: ['User', 'email'],
  device: ['Device', 'deviceName'],
};

/** Messaging::MQTT{User,Device}{Connected,Disconnected} of a client, or undefined for other kinds. */
export function connectionAction(identity: ClientIdentity, connected: boolean): ActionKey | undefined {
  const kind = CONNECTING[identity.kind]?.[0];
  return kind === undefined ? undefined : `Messaging::MQTT${kind}${connected ? 'Connected' : 'Disconnected'}`;
}

/** Messaging::MQTT{User,Device}{Connected,Disconnected}: `{email}` or `{deviceName}`; other kinds: none. */
export function connectionEvent(identity: ClientIdentity, connected: boolean): TriggerEvent | undefined {
  const action = connectionAction(identity, connected);
  const key = CONNECTING[identity.kind]?.[1];
  if (action === undefined || key === undefined) return undefined;
  const names = { [key]: identity.name };
  return event(identity.systemKey, action, names, names);
}

const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

const userFilters = (user: UserRef): Record<string, string> => ({ userId: user.user_id, email: user.email });

/** The query a ClearBlade UserUpdated/UserDeleted names: the one user, by id. */
function userQuery(user: UserRef): Record<string, unknown> {
  return { FILTERS: [[{ EQ: [{ user_id: user.user_id }] }]] };
}

/** User::UserCreated: `{user: {creation_date, email, user_id}}`. */
export function userCreatedEvent(e: PlatformEventMap['user.created']): TriggerEvent {
  const user = { creation_date: iso(e.user.creation_date), email: e.user.email, user_id: e.user.user_id };
  return event(e.systemKey, 'User::UserCreated', { user }, userFilters(e.user));
}

/** User::UserUpdated / UserDeleted: `{user: {email, user_id}, query}`. */
export function userChangedEvent(
  action: 'User::UserUpdated' | 'User::UserDeleted',
  e: PlatformEventMap['user.updated' | 'user.deleted'],
): TriggerEvent {
  const user = { email: e.user.email, user_id: e.user.user_id };
  return event(e.systemKey, action, { user, query: userQuery(e.user) }, userFilters(e.user));
}

/** The device fields §4.3 lists, copied. */
function deviceFields(d: DeviceEventRecord): Record<string, unknown> {
  return {
    allow_certificate_auth: d.allow_certificate_auth,
    allow_key_auth: d.allow_key_auth,
    certificate: d.certificate,
    created_date: d.created_date,
    description: d.description,
    device_key: d.device_key,
    enabled: d.enabled,
    last_active_date: d.last_active_date,
    system_key: d.system_key,
    type: d.type,
  };
}

/** A device event: `{deviceName, ...more}`, matched on `deviceName`. */
function deviceEvent(
  systemKey: string,
  action: ActionKey,
  deviceName: string,
  more: Record<string, unknown>,
): TriggerEvent {
  return event(systemKey, action, { deviceName, ...more }, { deviceName });
}

/** Device::DeviceCreated / DeviceDeleted: `{deviceName, device: {...}}`. */
export function deviceRecordEvent(
  action: 'Device::DeviceCreated' | 'Device::DeviceDeleted',
  e: PlatformEventMap['device.created' | 'device.deleted'],
): TriggerEvent {
  return deviceEvent(e.systemKey, action, e.device.name, { device: deviceFields(e.device) });
}

/** Device::DeviceUpdated: `{deviceName, changes}`. */
export function deviceUpdatedEvent(e: PlatformEventMap['device.updated']): TriggerEvent {
  const changes = structuredClone(e.changes);
  return deviceEvent(e.systemKey, 'Device::DeviceUpdated', e.deviceName, { changes });
}

/** UserRoles::UserRoleAdded / UserRoleRemoved: `{roleID, roles, topicPath, userID}` (+ trigger). */
export function userRoleEvent(
  action: 'UserRoles::UserRoleAdded' | 'UserRoles::UserRoleRemoved',
  e: PlatformEventMap['user.roleAdded' | 'user.roleRemoved'],
): TriggerEvent {
  return event(
    e.systemKey,
    action,
    { roleID: e.roleId, roles: [e.roleName], topicPath: '', userID: e.userId },
    { userId: e.userId, roleID: e.roleId },
  );
}

/** StartConnectDisconnect::PlatformStarted: `{}` (+ trigger), once per system at start. */
export function platformStartedEvent(systemKey: string): TriggerEvent {
  return event(systemKey, 'StartConnectDisconnect::PlatformStarted', {}, {});
}

/** The StartConnectDisconnect action of each edge event of the platform bus. */
export const EDGE_ACTIONS = {
  'edge.connected': 'StartConnectDisconnect::EdgeConnectedOnPlatformTrigger',
  'edge.disconnected': 'StartConnectDisconnect::EdgeDisconnectedOnPlatformTrigger',
  'edge.started': 'StartConnectDisconnect::EdgeStartedTrigger',
  'edge.platformConnected': 'StartConnectDisconnect::PlatformConnectedOnEdgeTrigger',
  'edge.platformDisconnected': 'StartConnectDisconnect::PlatformDisconnectedOnEdgeTrigger',
} as const satisfies Record<string, ActionKey>;

/** StartConnectDisconnect edge actions: `{}` (+ trigger). */
export function edgeEvent(
  systemKey: string,
  action: (typeof EDGE_ACTIONS)[keyof typeof EDGE_ACTIONS],
): TriggerEvent {
  return event(systemKey, action, {}, {});
}

/** Data::Collection{Created,Updated,Deleted}: `{collectionId, collectionName}` (reference §4.3). */
export function collectionEvent(
  action: 'Data::CollectionCreated' | 'Data::CollectionUpdated' | 'Data::CollectionDeleted',
  e: PlatformEventMap['collection.created'],
): TriggerEvent {
  const ids = { collectionId: e.collectionId, collectionName: e.collectionName };
  return event(e.systemKey, action, { ...ids }, ids);
}

/** Data::Item{Created,Updated,Deleted}: `{collectionId, collectionName, items: [{item_id}]}`, plus the update/delete `query`. */
export function itemEvent(
  action: 'Data::ItemCreated' | 'Data::ItemUpdated' | 'Data::ItemDeleted',
  e: PlatformEventMap['item.created'] & { readonly query?: unknown },
): TriggerEvent {
  const ids = { collectionId: e.collectionId, collectionName: e.collectionName };
  const query = e.query === undefined ? {} : { query: JSON.parse(JSON.stringify(e.query)) as unknown };
  return event(
    e.systemKey,
    action,
    { ...ids, items: e.itemIds.map((item_id) => ({ item_id })), ...query },
    ids,
  );
}
