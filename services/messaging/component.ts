// The messaging component of the composition root: the broker built from the config slice, its
// BrokerAuth over identity, revoked tokens' connections closed, live access re-checked after identity
// changes (DESIGN.md "Security model": losing access ends access), the REST publish route.
import type { Broker, BrokerAuth } from '../../broker/types.js';
import { createBroker } from '../../broker/index.js';
import type { IdentityService } from '../identity/types.js';
import type { ComponentBase, Component, Ports } from '../kernel/component.js';
import { createBrokerAuth } from './broker-auth.js';
import { publishRoutes } from './publish-route.js';
import { statsRoutes } from './stats-routes.js';

export interface MessagingComponent extends Component {
  readonly broker: Broker;
}

/** Builds the broker (persistence opened, nothing listening until `start()`). */
export async function createMessaging(
  base: ComponentBase,
  deps: {
    identity: IdentityService;
    /** Extension point (edges, reference §9): wraps the BrokerAuth so edge tokens authenticate too. */
    wrapAuth?: (auth: BrokerAuth) => BrokerAuth;
  },
): Promise<MessagingComponent> {
  const { config, log, clock, events } = base;
  const m = config.mqtt;
  const tls =
    config.tls.cert !== undefined && config.tls.key !== undefined
      ? { cert: config.tls.cert, key: config.tls.key }
      : undefined;
  const broker = await createBroker(
    {
      host: config.host,
      ports: {
        tcp: m.tcpPort,
        tls: m.tlsPort,
        ws: m.wsPort,
        wss: m.wssPort,
        auth: m.authPort,
        authTls: m.authTlsPort,
        authWs: m.authWsPort,
        authWss: m.authWssPort,
      },
      tls,
      dataDir: config.dataDir,
      cluster: config.cluster.enabled
        ? {
            redisUrl: config.cluster.redisUrl ?? '',
            nodeId: config.cluster.nodeId,
            heartbeatS: config.cluster.heartbeatS,
          }
        : undefined,
      limits: {
        maxPacketSize: m.maxPacketSize,
        maxTopicLength: m.maxTopicLength,
        maxTopicLevels: m.maxTopicLevels,
        maxConnections: m.maxConnections,
        maxInflight: m.maxInflight,
        connectRate: m.connectRate,
        preAuthPacketSize: m.preAuthMaxPacket,
        maxQueuedBytes: m.maxQueuedBytes,
      },
      publicHost: config.publicHost,
      connectTimeout: m.connectTimeout,
      traffic: config.metrics.enabled,
    },
    {
      auth: (deps.wrapAuth ?? ((a: BrokerAuth) => a))(createBrokerAuth(deps.identity)),
      log: log.child({ area: 'broker' }),
      clock,
    },
  );
  const offs = [events.on('tokens.revoked', (e) => broker.disconnectTokens(e.tokens))];
  // Losing access ends access: after any change that can take rights away, the system's connections are
  // re-authenticated and their subscriptions (and services' internal ones) re-checked against the ACL.
  const recheck = (e: { systemKey: string }) => broker.recheckAccess(e.systemKey);
  for (const name of [
    'roles.changed',
    'user.deleted',
    'device.deleted',
    'device.updated',
    'system.deleted',
  ] as const)
    offs.push(events.on(name, recheck));
  return {
    name: 'messaging',
    broker,
    routes: [publishRoutes({ broker }), statsRoutes({ broker, identity: deps.identity })],
    async start(): Promise<Partial<Ports>> {
      return broker.listen();
    },
    async close() {
      for (const off of offs) off();
      await broker.close();
    },
  };
}
