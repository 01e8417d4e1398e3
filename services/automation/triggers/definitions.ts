// The table of trigger modules and actions (reference §4.1, §4.3): what each one filters on (`def_keys`)
// and which `$trigger/...` event topic mirrors it (DESIGN.md "MQTT surface"). One row per action; adding an
// action is one row here plus its params builder in params.ts.

import { EVENT_TOPICS } from '../../../runtime-api/constants.js';
import { IsobarError } from '../../../runtime-api/errors/index.js';
import { filterProblem } from '../../../runtime-api/topics.js';

/** One module/action a trigger can name. */
export interface TriggerDefinition {
  readonly def_module: string;
  readonly def_name: string;
  /** Filter keys `key_value_pairs` may hold; an event matches when every given pair matches. */
  readonly def_keys: readonly string[];
  /** The event topic that mirrors this action, if there is one. */
  readonly topic?: string;
}

/** Filter keys whose value is an MQTT filter (matched with wildcards); every other key matches exactly. */
export const TOPIC_FILTER_KEYS: ReadonlySet<string> = new Set(['topic']);

const row = (
  def_module: string,
  def_name: string,
  def_keys: readonly string[],
  topic?: string,
): TriggerDefinition => ({ def_module, def_name, def_keys, ...(topic === undefined ? {} : { topic }) });

/** Filter keys of the Data module (reference §4.1). */
const DATA_KEYS = ['collectionId', 'collectionName'] as const;

/** Every module/action, in the order `GET /admin/triggers/definitions` lists them. */
export const DEFINITIONS: readonly TriggerDefinition[] = [
  row('Messaging', 'Publish', ['topic'], EVENT_TOPICS.messagingPublish),
  row('Messaging', 'Subscribe', ['topic'], EVENT_TOPICS.messagingSubscribe),
  row('Messaging', 'Unsubscribe', ['topic'], EVENT_TOPICS.messagingUnsubscribe),
  row('Messaging', 'MQTTUserConnected', ['email'], EVENT_TOPICS.userConnected),
  row('Messaging', 'MQTTUserDisconnected', ['email'], EVENT_TOPICS.userDisconnected),
  row('Messaging', 'MQTTDeviceConnected', ['deviceName'], EVENT_TOPICS.deviceConnected),
  row('Messaging', 'MQTTDeviceDisconnected', ['deviceName'], EVENT_TOPICS.deviceDisconnected),
  row('User', 'UserCreated', ['userId', 'email'], EVENT_TOPICS.userCreated),
  row('User', 'UserUpdated', ['userId', 'email'], EVENT_TOPICS.userUpdated),
  row('User', 'UserDeleted', ['userId', 'email'], EVENT_TOPICS.userDeleted),
  row('Device', 'DeviceCreated', ['deviceName'], EVENT_TOPICS.deviceCreated),
  row('Device', 'DeviceUpdated', ['deviceName'], EVENT_TOPICS.deviceUpdated),
  row('Device', 'DeviceDeleted', ['deviceName'], EVENT_TOPICS.deviceDeleted),
  row('Data', 'CollectionCreated', DATA_KEYS, EVENT_TOPICS.collectionCreated),
  row('Data', 'CollectionUpdated', DATA_KEYS, EVENT_TOPICS.collectionUpdated),
  row('Data', 'CollectionDeleted', DATA_KEYS, EVENT_TOPICS.collectionDeleted),
  row('Data', 'ItemCreated', DATA_KEYS, EVENT_TOPICS.itemCreated),
  row('Data', 'ItemUpdated', DATA_KEYS, EVENT_TOPICS.itemUpdated),
  row('Data', 'ItemDeleted', DATA_KEYS, EVENT_TOPICS.itemDeleted),
  row('UserRoles', 'UserRoleAdded', ['userId', 'roleID']),
  row('UserRoles', 'UserRoleRemoved', ['userId', 'roleID']),
  row('StartConnectDisconnect', 'PlatformStarted', []),
  row('StartConnectDisconnect', 'PlatformConnectedOnEdgeTrigger', []),
  row('StartConnectDisconnect', 'PlatformDisconnectedOnEdgeTrigger', []),
  row('StartConnectDisconnect', 'EdgeStartedTrigger', []),
  row('StartConnectDisconnect', 'EdgeConnectedOnPlatformTrigger', []),
  row('StartConnectDisconnect', 'EdgeDisconnectedOnPlatformTrigger', []),
];

/** `Module::Action`, the key events and triggers are indexed by (and `req.params.trigger`). */
export type ActionKey = `${string}::${string}`;

const byKey = new Map<string, TriggerDefinition>(
  DEFINITIONS.map((d) => [`${d.def_module}::${d.def_name}`, d]),
);

/** The definition of `module::action`, or a CB_ERR_TRIGGER_UNKNOWN_DEFINITION. */
export function definitionOf(module: string, action: string): TriggerDefinition {
  const def = byKey.get(`${module}::${action}`);
  if (def === undefined) throw new IsobarError('CB_ERR_TRIGGER_UNKNOWN_DEFINITION', { module, action });
  return def;
}

/**
 * Checks `key_value_pairs` against a definition and returns a clean copy: only its `def_keys`, string
 * values, `topic` a valid MQTT filter. Empty strings are dropped (the console sends them for "any").
 */
export function validateFilters(def: TriggerDefinition, pairs: unknown): Record<string, string> {
  if (pairs === undefined || pairs === null) return {};
  if (typeof pairs !== 'object' || Array.isArray(pairs)) {
    throw new IsobarError('CB_ERR_TRIGGER_BAD_FILTER', { key: '', detail: 'expected an object' });
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(pairs as Record<string, unknown>)) {
    if (!def.def_keys.includes(key)) {
      const allowed = def.def_keys.length === 0 ? 'none' : def.def_keys.join(', ');
      throw new IsobarError('CB_ERR_TRIGGER_BAD_FILTER', {
        key,
        detail: `not a filter of ${def.def_module}::${def.def_name} (allowed: ${allowed})`,
      });
    }
    if (typeof value !== 'string') {
      throw new IsobarError('CB_ERR_TRIGGER_BAD_FILTER', { key, detail: 'expected a string' });
    }
    if (value === '') continue;
    if (TOPIC_FILTER_KEYS.has(key)) {
      const problem = filterProblem(value);
      if (problem !== undefined) throw new IsobarError('CB_ERR_TRIGGER_BAD_FILTER', { key, detail: problem });
    }
    out[key] = value;
  }
  return out;
}
