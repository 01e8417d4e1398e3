// How edges get onto the platform's broker. An edge connects with its edge token as MQTT user name and
// its system key as password; this adapter recognises edge tokens before handing every other CONNECT to
// the platform's own BrokerAuth, confines an edge to its own channel topics (`$edge/<name>/…`), and keeps
// everyone else — developers included — off those channels: they carry identity snapshots (hashes) and
// deployments.
// Wire it where the broker is built: `auth: withEdgeAuth(brokerAuth, edgeTokens)`.
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { BrokerAuth, ClientIdentity } from '../../broker/types.js';
import { channelTopic } from './channel.js';
import type { EdgeRef } from './registry.js';

const EDGE_ID_PREFIX = 'edge:';
/** The edge channels (identity snapshots, deployments, relay traffic) belong to edges alone. */
const CHANNEL_PREFIX = '$edge/';

/** Looks an edge token up (the registry does; sync, from memory). */
export interface EdgeTokenLookup {
  byToken(token: string): EdgeRef | undefined;
}

/** The broker identity of a connected edge. */
export function edgeIdentity(systemKey: string, name: string): ClientIdentity {
  return { kind: 'service', id: `${EDGE_ID_PREFIX}${name}`, name, systemKey };
}

/** The edge name of an edge identity, or undefined for anyone else. */
export function edgeNameOf(identity: ClientIdentity | undefined): string | undefined {
  if (identity === undefined || identity.kind !== 'service' || !identity.id.startsWith(EDGE_ID_PREFIX)) {
    return undefined;
  }
  return identity.id.slice(EDGE_ID_PREFIX.length);
}

/** Wraps the platform's BrokerAuth so edge tokens authenticate too. */
export function withEdgeAuth(inner: BrokerAuth, edges: EdgeTokenLookup): BrokerAuth {
  return {
    lookup: inner.lookup,
    authenticate(token, systemKey) {
      const ref = edges.byToken(token);
      if (ref === undefined) return inner.authenticate(token, systemKey);
      if (ref.systemKey !== systemKey) throw new IsobarError('CB_ERR_EDGE_BAD_TOKEN');
      return edgeIdentity(ref.systemKey, ref.name);
    },
    // An edge is one process per name: its reconnect after a half-open cut replaces the stale connection
    // at once instead of waiting for the keepalive to expire it.
    duplicateClientId: (identity) =>
      edgeNameOf(identity) === undefined ? inner.duplicateClientId(identity) : 'takeover',
    canPublish(identity, topic) {
      const name = edgeNameOf(identity);
      if (name === undefined) return !topic.startsWith(CHANNEL_PREFIX) && inner.canPublish(identity, topic);
      return (
        topic.startsWith(channelTopic(name, 'up', '')) || topic.startsWith(channelTopic(name, 'report', ''))
      );
    },
    canSubscribe(identity, filter) {
      const name = edgeNameOf(identity);
      if (name === undefined)
        return !filter.startsWith(CHANNEL_PREFIX) && inner.canSubscribe(identity, filter);
      return filter === channelTopic(name, 'down', '#') || filter === channelTopic(name, 'ctl', '#');
    },
    login: (systemKey, systemSecret, clientId) => inner.login(systemKey, systemSecret, clientId),
  };
}
