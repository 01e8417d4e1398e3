// Constants both sides of the isolate boundary need. No Node imports.

/** Topics the platform publishes itself; clients may subscribe (ACL permitting) but not publish. */
export const RESERVED_TOPIC_PREFIXES = ['$trigger/', '$timer/', '$notification/', '$SYS/'] as const;

/** Event topics of DESIGN.md ("MQTT surface"). */
export const EVENT_TOPICS = {
  messagingPublish: '$trigger/messaging/publish',
  messagingSubscribe: '$trigger/messaging/subscribe',
  messagingUnsubscribe: '$trigger/messaging/unsubscribe',
  userConnected: '$trigger/messaging/user/connected',
  userDisconnected: '$trigger/messaging/user/disconnected',
  deviceConnected: '$trigger/messaging/device/connected',
  deviceDisconnected: '$trigger/messaging/device/disconnected',
  userCreated: '$trigger/user/created',
  userUpdated: '$trigger/user/updated',
  userDeleted: '$trigger/user/deleted',
  deviceCreated: '$trigger/device/created',
  deviceUpdated: '$trigger/device/updated',
  deviceDeleted: '$trigger/device/deleted',
  collectionCreated: '$trigger/collection/created',
  collectionUpdated: '$trigger/collection/updated',
  collectionDeleted: '$trigger/collection/deleted',
  itemCreated: '$trigger/collection/item/created',
  itemUpdated: '$trigger/collection/item/updated',
  itemDeleted: '$trigger/collection/item/deleted',
  timerPrefix: '$timer/',
  syncStatus: '$notification/sync/status',
  syncError: '$notification/sync/error',
  syncGenericError: '$notification/sync/generic_error',
} as const;

/** Auth-over-MQTT topics a client may subscribe to for its token. */
export const AUTH_TOPICS = ['auth', 'v/1/auth'] as const;

/** Permission bits of ClearBlade roles (reference §6.1). */
export const PERM = { READ: 1, CREATE: 2, UPDATE: 4, DELETE: 8 } as const;

/** Names of the roles every system is created with; their ID is their name. */
export const DEFAULT_ROLES = ['Anonymous', 'Authenticated', 'Administrator'] as const;
