// Where trigger events come from: the broker's activity events (publish, subscribe, connect — all fired
// from aedes events, never from the handlers publishers wait on) and the platform bus (users, devices,
// roles). Each listener first asks "does anyone want this?" (a trigger or an event-topic subscriber) and
// only then builds the event, so unwatched activity costs two map lookups.

import type { BrokerEventMap } from '../../../broker/types.js';
import { isReservedTopic } from '../../../broker/acl.js';
import type { PlatformEvents } from '../../kernel/events.js';
import type { ActionKey } from './definitions.js';
import {
  EDGE_ACTIONS,
  connectionEvent,
  edgeEvent,
  deviceRecordEvent,
  deviceUpdatedEvent,
  publishEvent,
  subscriptionEvent,
  userChangedEvent,
  userCreatedEvent,
  userRoleEvent,
  collectionEvent,
  itemEvent,
  type TriggerEvent,
} from './params.js';

/** The slice of the broker trigger sources listen to. */
export interface SourceBroker {
  on<K extends keyof BrokerEventMap>(event: K, listener: (event: BrokerEventMap[K]) => void): () => void;
}

/**
 * Who wants an event: nobody, triggers only, or (also) subscribers of its event topic. Asked once per
 * event and handed to `deliver`, so the subscriber check (cluster-wide in a cluster) runs once.
 */
export type Interest = 'none' | 'triggers' | 'topic';

export interface SourceDeps {
  readonly broker: SourceBroker;
  readonly events: PlatformEvents;
  /** sync: is there a trigger or an event-topic subscriber for this action in this system? */
  readonly wanted: (systemKey: string, action: ActionKey) => Interest;
  /** Takes the built event (copying done) and what `wanted` answered; must not block. */
  readonly deliver: (event: TriggerEvent, interest: Interest) => void;
}

/** Starts listening; returns the function that stops. */
export function attachSources(deps: SourceDeps): () => void {
  const { broker, events, wanted, deliver } = deps;
  const offs: Array<() => void> = [];
  const when = (systemKey: string, action: ActionKey, build: () => TriggerEvent | undefined) => {
    const interest = wanted(systemKey, action);
    if (interest === 'none') return;
    const event = build();
    if (event !== undefined) deliver(event, interest);
  };

  offs.push(
    broker.on('published', (m) => {
      // Platform-made topics are not messages: a `$trigger/...` publish must not re-trigger Messaging::Publish.
      if (isReservedTopic(m.topic)) return;
      when(m.systemKey, 'Messaging::Publish', () => publishEvent(m));
    }),
    broker.on('subscribed', (e) =>
      when(e.identity.systemKey, 'Messaging::Subscribe', () =>
        subscriptionEvent('Messaging::Subscribe', e.identity, e.filter),
      ),
    ),
    broker.on('unsubscribed', (e) =>
      when(e.identity.systemKey, 'Messaging::Unsubscribe', () =>
        subscriptionEvent('Messaging::Unsubscribe', e.identity, e.filter),
      ),
    ),
  );
  for (const connected of [true, false]) {
    offs.push(
      broker.on(connected ? 'connected' : 'disconnected', (e) => {
        const kind =
          e.identity.kind === 'user' ? 'User' : e.identity.kind === 'device' ? 'Device' : undefined;
        if (kind === undefined) return;
        const action: ActionKey = `Messaging::MQTT${kind}${connected ? 'Connected' : 'Disconnected'}`;
        when(e.identity.systemKey, action, () => connectionEvent(e.identity, connected));
      }),
    );
  }
  offs.push(
    events.on('user.created', (e) => when(e.systemKey, 'User::UserCreated', () => userCreatedEvent(e))),
    events.on('user.updated', (e) =>
      when(e.systemKey, 'User::UserUpdated', () => userChangedEvent('User::UserUpdated', e)),
    ),
    events.on('user.deleted', (e) =>
      when(e.systemKey, 'User::UserDeleted', () => userChangedEvent('User::UserDeleted', e)),
    ),
    events.on('user.roleAdded', (e) =>
      when(e.systemKey, 'UserRoles::UserRoleAdded', () => userRoleEvent('UserRoles::UserRoleAdded', e)),
    ),
    events.on('user.roleRemoved', (e) =>
      when(e.systemKey, 'UserRoles::UserRoleRemoved', () => userRoleEvent('UserRoles::UserRoleRemoved', e)),
    ),
    events.on('device.created', (e) =>
      when(e.systemKey, 'Device::DeviceCreated', () => deviceRecordEvent('Device::DeviceCreated', e)),
    ),
    events.on('device.updated', (e) =>
      when(e.systemKey, 'Device::DeviceUpdated', () => deviceUpdatedEvent(e)),
    ),
    events.on('device.deleted', (e) =>
      when(e.systemKey, 'Device::DeviceDeleted', () => deviceRecordEvent('Device::DeviceDeleted', e)),
    ),
    events.on('collection.created', (e) =>
      when(e.systemKey, 'Data::CollectionCreated', () => collectionEvent('Data::CollectionCreated', e)),
    ),
    events.on('collection.updated', (e) =>
      when(e.systemKey, 'Data::CollectionUpdated', () => collectionEvent('Data::CollectionUpdated', e)),
    ),
    events.on('collection.deleted', (e) =>
      when(e.systemKey, 'Data::CollectionDeleted', () => collectionEvent('Data::CollectionDeleted', e)),
    ),
    events.on('item.created', (e) =>
      when(e.systemKey, 'Data::ItemCreated', () => itemEvent('Data::ItemCreated', e)),
    ),
    events.on('item.updated', (e) =>
      when(e.systemKey, 'Data::ItemUpdated', () => itemEvent('Data::ItemUpdated', e)),
    ),
    events.on('item.deleted', (e) =>
      when(e.systemKey, 'Data::ItemDeleted', () => itemEvent('Data::ItemDeleted', e)),
    ),
  );
  for (const [name, action] of Object.entries(EDGE_ACTIONS) as Array<
    [keyof typeof EDGE_ACTIONS, ActionKey]
  >) {
    offs.push(
      events.on(name, (e) => when(e.systemKey, action, () => edgeEvent(e.systemKey, EDGE_ACTIONS[name]))),
    );
  }
  return () => {
    for (const off of offs.splice(0)) off();
  };
}
