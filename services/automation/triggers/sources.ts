// Where trigger events come from: the broker's activity events (publish, subscribe, connect — all fired
// from aedes events, never from the handlers publishers wait on) and the platform bus (users, devices,
// roles). Each listener first asks "does anyone want this?" (a trigger or an event-topic subscriber) and
// only then builds the event, so unwatched activity costs two map lookups.

import type { BrokerEventMap } from '../../../broker/types.js';
import { isReservedTopic } from '../../../broker/acl.js';
import type { EventBase, PlatformEventMap, PlatformEventName, PlatformEvents } from '../../kernel/events.js';
import type { ActionKey } from './definitions.js';
import {
  EDGE_ACTIONS,
  connectionAction,
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

/** The platform bus events that belong to one system (every one but `tokens.revoked`). */
type SystemEventName = {
  [K in PlatformEventName]: PlatformEventMap[K] extends EventBase ? K : never;
}[PlatformEventName];
type EdgeEventName = keyof typeof EDGE_ACTIONS;
type EdgeAction = (typeof EDGE_ACTIONS)[EdgeEventName];

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
  );
  const subscriptions = [
    ['subscribed', 'Messaging::Subscribe'],
    ['unsubscribed', 'Messaging::Unsubscribe'],
  ] as const;
  for (const [name, action] of subscriptions) {
    offs.push(
      broker.on(name, (e) =>
        when(e.identity.systemKey, action, () => subscriptionEvent(action, e.identity, e.filter)),
      ),
    );
  }
  for (const connected of [true, false]) {
    offs.push(
      broker.on(connected ? 'connected' : 'disconnected', (e) => {
        const action = connectionAction(e.identity, connected);
        if (action !== undefined)
          when(e.identity.systemKey, action, () => connectionEvent(e.identity, connected));
      }),
    );
  }
  /** Listens for one platform bus event: `action` fires with the params `build` makes of it. */
  const platform = <K extends SystemEventName, A extends ActionKey>(
    name: K,
    action: A,
    build: (action: A, e: PlatformEventMap[K]) => TriggerEvent,
  ) => events.on(name, (e) => when(e.systemKey, action, () => build(action, e)));
  const edge = (action: EdgeAction, e: EventBase) => edgeEvent(e.systemKey, action);

  offs.push(
    platform('user.created', 'User::UserCreated', (_, e) => userCreatedEvent(e)),
    platform('user.updated', 'User::UserUpdated', userChangedEvent),
    platform('user.deleted', 'User::UserDeleted', userChangedEvent),
    platform('user.roleAdded', 'UserRoles::UserRoleAdded', userRoleEvent),
    platform('user.roleRemoved', 'UserRoles::UserRoleRemoved', userRoleEvent),
    platform('device.created', 'Device::DeviceCreated', deviceRecordEvent),
    platform('device.updated', 'Device::DeviceUpdated', (_, e) => deviceUpdatedEvent(e)),
    platform('device.deleted', 'Device::DeviceDeleted', deviceRecordEvent),
    platform('collection.created', 'Data::CollectionCreated', collectionEvent),
    platform('collection.updated', 'Data::CollectionUpdated', collectionEvent),
    platform('collection.deleted', 'Data::CollectionDeleted', collectionEvent),
    platform('item.created', 'Data::ItemCreated', itemEvent),
    platform('item.updated', 'Data::ItemUpdated', itemEvent),
    platform('item.deleted', 'Data::ItemDeleted', itemEvent),
    ...Object.entries(EDGE_ACTIONS).map(([name, action]) => platform(name as EdgeEventName, action, edge)),
  );
  return () => {
    for (const off of offs.splice(0)) off();
  };
}
