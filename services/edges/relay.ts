// Message relay between a platform and its edges (seed "Message Relay", reference §9), as pure functions:
// which suffixed topics are relay topics, and who receives a message given where it was published.
//
// What each side sees: a relayed message is delivered on the EXACT same topic string it was published on
// (suffix included), with its QoS; subscribers subscribe to that same suffixed topic. The side where it is
// published also delivers it to its own local subscribers of that topic (ordinary MQTT), and the relay
// never sends a message back to where it came from, so nothing loops between edges.

/** The four relay suffixes. */
export type RelayKind = 'platform' | 'edge' | 'broadcast' | 'edgeAndPlatform';

export interface RelayTopic {
  readonly kind: RelayKind;
  /** The topic without its suffix (`sensors/1` for `sensors/1/_platform`). */
  readonly base: string;
  /** The named edge of `_edge/<name>` and `_edgeAndPlatform/<name>`. */
  readonly edge?: string;
}

/** Where a message entered the relay: the platform's broker, or the named edge's broker. */
export type RelayOrigin = { readonly platform: true } | { readonly edge: string };

/** Who must receive a copy besides the origin's own local subscribers. */
export interface RelayRoute {
  /** Deliver on the platform's broker. */
  readonly platform: boolean;
  /** Deliver on these edges' brokers (never the origin). */
  readonly edges: readonly string[];
  /** A named edge that is not registered in the system (reported, not delivered). */
  readonly missingEdge?: string;
}

const NOWHERE: RelayRoute = { platform: false, edges: [] };

/**
 * Parses a relay topic, or answers undefined for an ordinary topic. `$` topics (event, notification and
 * the edge channel) are never relayed, and the suffix needs a non-empty topic before it.
 */
export function parseRelayTopic(topic: string): RelayTopic | undefined {
  if (topic.startsWith('$')) return undefined;
  const last = topic.lastIndexOf('/');
  if (last <= 0) return undefined;
  const tail = topic.slice(last + 1);
  if (tail === '_platform') return { kind: 'platform', base: topic.slice(0, last) };
  if (tail === '_broadcast') return { kind: 'broadcast', base: topic.slice(0, last) };
  const prev = topic.lastIndexOf('/', last - 1);
  if (prev <= 0 || tail === '') return undefined;
  const marker = topic.slice(prev + 1, last);
  if (marker === '_edge') return { kind: 'edge', base: topic.slice(0, prev), edge: tail };
  if (marker === '_edgeAndPlatform')
    return { kind: 'edgeAndPlatform', base: topic.slice(0, prev), edge: tail };
  return undefined;
}

/**
 * Routes one relay message. `edges` are the edges registered in the system (connected or not: a message
 * for an offline edge waits in its persistent session).
 */
export function routeRelay(topic: RelayTopic, origin: RelayOrigin, edges: readonly string[]): RelayRoute {
  const from = 'edge' in origin ? origin.edge : undefined;
  const fromEdge = from !== undefined;
  const named = (name: string | undefined): RelayRoute => {
    if (name === undefined || name === from) return NOWHERE;
    if (!edges.includes(name)) return { platform: false, edges: [], missingEdge: name };
    return { platform: false, edges: [name] };
  };
  switch (topic.kind) {
    case 'platform':
      return { platform: fromEdge, edges: [] };
    case 'edge':
      return named(topic.edge);
    case 'broadcast':
      return { platform: fromEdge, edges: edges.filter((e) => e !== from) };
    case 'edgeAndPlatform':
      return { ...named(topic.edge), platform: fromEdge };
  }
}

/**
 * On an edge: should a message published on its own broker go up to the platform? Everything addressed
 * beyond this edge does; `_edge/<self>` is already home.
 */
export function sendsUp(topic: RelayTopic, self: string): boolean {
  return !(topic.kind === 'edge' && topic.edge === self);
}
