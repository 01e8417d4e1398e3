// Topic ACL (DESIGN.md "Identity and tenancy": topic permissions): every PUBLISH and SUBSCRIBE asks BrokerAuth, which answers from memory,
// so role changes apply to the next operation without reconnecting (and access.ts re-checks live
// subscriptions when roles change). Denials are logged, counted and
// reported as `denied` events. Reserved platform topics ($trigger/, $timer/, …) are never client-published.
import { RESERVED_TOPIC_PREFIXES } from '../runtime-api/constants.js';
import type { Log } from '../runtime-api/log.js';
import type { BrokerEvents } from './events.js';
import type { BrokerAuth, ClientIdentity } from './types.js';

export interface Acl {
  canPublish(identity: ClientIdentity, topic: string, clientId?: string): boolean;
  /** `filter` is the plain filter (for `$share/g/f`, `f`). */
  canSubscribe(identity: ClientIdentity, filter: string, clientId?: string): boolean;
  /** Re-check of a subscription granted earlier (role changes): asks, but neither counts nor logs a denial. */
  stillAllowed(identity: ClientIdentity, filter: string): boolean;
  readonly deniedPublishes: number;
  readonly deniedSubscribes: number;
}

/** True for topics only the platform may publish. */
export function isReservedTopic(topic: string): boolean {
  if (topic.charCodeAt(0) !== 36) return false;
  return RESERVED_TOPIC_PREFIXES.some((prefix) => topic.startsWith(prefix));
}

/** Builds the ACL over BrokerAuth. */
export function createAcl(deps: { auth: BrokerAuth; log: Log; events: BrokerEvents }): Acl {
  const { auth, log, events } = deps;
  let deniedPublishes = 0;
  let deniedSubscribes = 0;
  const deny = (
    identity: ClientIdentity,
    topic: string,
    action: 'publish' | 'subscribe',
    clientId?: string,
  ) => {
    log.info(`mqtt ${action} denied`, {
      systemKey: identity.systemKey,
      who: identity.name,
      kind: identity.kind,
      clientId,
      topic,
    });
    if (events.has('denied')) events.emit('denied', { identity, topic, action });
  };
  return {
    canPublish(identity, topic, clientId) {
      if (!isReservedTopic(topic) && auth.canPublish(identity, topic)) return true;
      deniedPublishes++;
      deny(identity, topic, 'publish', clientId);
      return false;
    },
    canSubscribe(identity, filter, clientId) {
      if (auth.canSubscribe(identity, filter)) return true;
      deniedSubscribes++;
      deny(identity, filter, 'subscribe', clientId);
      return false;
    },
    stillAllowed: (identity, filter) => auth.canSubscribe(identity, filter),
    get deniedPublishes() {
      return deniedPublishes;
    },
    get deniedSubscribes() {
      return deniedSubscribes;
    },
  };
}
