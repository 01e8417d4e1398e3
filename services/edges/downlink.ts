// The platform's side of the edge link. Edges connect to the platform's broker (see broker-auth.ts); this
// module watches the broker's non-blocking `published` event for two things: relay topics published by
// the platform's own clients, which it copies down to the edges they name, and traffic on the edges'
// channel topics (relay messages coming up, hello/bye, deployment results), which it routes or reports.
import type { Broker, BrokerMessage } from '../../broker/types.js';
import type { Log } from '../kernel/log.js';
import { edgeNameOf } from './broker-auth.js';
import { channelTopic, OPS, parseChannelTopic } from './channel.js';
import { createEchoGuard } from './echo.js';
import type { SyncNotifier } from './notifications.js';
import type { EdgeRegistry } from './registry.js';
import { parseRelayTopic, routeRelay, type RelayOrigin, type RelayTopic } from './relay.js';

/** The part of the broker the downlink uses. */
export type DownlinkBroker = Pick<Broker, 'publish' | 'on'>;

export interface DownlinkDeps {
  readonly broker: DownlinkBroker;
  readonly registry: EdgeRegistry;
  readonly notifier: SyncNotifier;
  readonly log: Log;
  /** An edge said hello (subscribed and ready) or went away. */
  readonly onEdgeState?: (systemKey: string, edge: string, connected: boolean) => void;
  /** A report from an edge other than hello/bye (deployment results). */
  readonly onReport?: (systemKey: string, edge: string, op: string, body: unknown) => void;
}

export interface Downlink {
  /** Starts listening to the broker. */
  start(): void;
  /** Publishes a control message to one edge (QoS 1; waits in its session while it is offline). */
  control(systemKey: string, edge: string, op: string, body: unknown): Promise<void>;
  /** Stops listening; idempotent. */
  close(): Promise<void>;
}

/** Creates the platform side of the edge link. */
export function createDownlink(deps: DownlinkDeps): Downlink {
  const { broker, registry, notifier, log } = deps;
  const echo = createEchoGuard();
  const removers: Array<() => void> = [];

  const fail = (what: string) => (err: unknown) => log.error(what, { err: String(err) });

  const deliver = (
    systemKey: string,
    topic: string,
    rt: RelayTopic,
    origin: RelayOrigin,
    m: BrokerMessage,
  ) => {
    const route = routeRelay(rt, origin, registry.names(systemKey));
    if (route.missingEdge !== undefined) {
      const error = `Relay topic ${topic} names edge ${route.missingEdge}, which does not exist in this system`;
      log.warn('relay to an unknown edge', { systemKey, topic, code: 'CB_ERR_EDGE_RELAY_NO_EDGE' });
      notifier.genericError(systemKey, { table: 'edges', error }).catch(fail('sync notification failed'));
    }
    if (route.platform) {
      echo.expect(systemKey, topic, m.payload);
      broker.publish(systemKey, topic, m.payload, { qos: m.qos }).catch(fail('relay publish failed'));
    }
    for (const edge of route.edges) {
      broker
        .publish(systemKey, channelTopic(edge, 'down', topic), m.payload, { qos: m.qos })
        .catch(fail('relay publish failed'));
    }
  };

  const setState = (systemKey: string, edge: string, connected: boolean) => {
    if (!registry.has(systemKey, edge)) return;
    const was = registry.get(systemKey, edge).isConnected;
    registry.setConnected(systemKey, edge, connected).catch(fail('edge state not saved'));
    if (was !== connected) deps.onEdgeState?.(systemKey, edge, connected);
  };

  const onChannel = (m: BrokerMessage, edge: string, direction: string, rest: string) => {
    // Only the edge itself speaks on its up and report topics; the platform's own copies go down.
    if (direction !== 'up' && direction !== 'report') return;
    if (edgeNameOf(m.publisher) !== edge && !(direction === 'report' && m.publisher === undefined)) return;
    registry.touch(m.systemKey, edge);
    if (direction === 'up') {
      const rt = parseRelayTopic(rest);
      if (rt === undefined) return;
      deliver(m.systemKey, rest, rt, { edge }, m);
      return;
    }
    if (rest === OPS.hello) return setState(m.systemKey, edge, true);
    if (rest === OPS.bye) return setState(m.systemKey, edge, false);
    let body: unknown;
    try {
      body = JSON.parse(m.payload.toString('utf8'));
    } catch {
      log.warn('edge report is not JSON', { edge, op: rest });
      return;
    }
    deps.onReport?.(m.systemKey, edge, rest, body);
  };

  const onPublished = (m: BrokerMessage) => {
    const ch = parseChannelTopic(m.topic);
    if (ch !== undefined) return onChannel(m, ch.edge, ch.direction, ch.rest);
    const rt = parseRelayTopic(m.topic);
    if (rt === undefined) return;
    if (m.publisher === undefined && echo.isEcho(m.systemKey, m.topic, m.payload)) return;
    deliver(m.systemKey, m.topic, rt, { platform: true }, m);
  };

  return {
    start() {
      if (removers.length > 0) return;
      removers.push(broker.on('published', onPublished));
      removers.push(
        broker.on('disconnected', ({ identity }) => {
          const edge = edgeNameOf(identity);
          if (edge !== undefined) setState(identity.systemKey, edge, false);
        }),
      );
    },
    control(systemKey, edge, op, body) {
      return broker.publish(systemKey, channelTopic(edge, 'ctl', op), JSON.stringify(body), { qos: 1 });
    },
    close() {
      for (const remove of removers.splice(0)) remove();
      return Promise.resolve();
    },
  };
}
