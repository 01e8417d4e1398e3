// The messaging component of the composition root: the broker built from the config slice, its
// BrokerAuth over identity, revoked tokens' connections closed, the REST publish route.
import type { Broker, BrokerAuth } from '../../broker/types.js';
import { createBroker } from '../../broker/index.js';
import type { IdentityService } from '../identity/types.js';
import type { ComponentBase, Component, Ports } from '../platform.js';
import type { RestAuth } from '../rest/auth.js';
import { createBrokerAuth } from './broker-auth.js';
import { publishRoutes } from './publish-route.js';

export interface MessagingComponent extends Component {
  readonly broker: Broker;
}

/** Builds the broker (persistence opened, nothing listening until `start()`). */
export async function createMessaging(
  base: ComponentBase,
  deps: {
    identity: IdentityService;
    auth: RestAuth;
    /** Extension point (issue 7, edges): wraps the BrokerAuth so edge tokens authenticate too. */
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
      limits: {
        maxPacketSize: m.maxPacketSize,
        maxTopicLength: m.maxTopicLength,
        maxTopicLevels: m.maxTopicLevels,
        maxConnections: m.maxConnections,
        maxInflight: m.maxInflight,
        connectRate: m.connectRate,
      },
      publicHost: config.publicHost,
    },
    {
      auth: (deps.wrapAuth ?? ((a: BrokerAuth) => a))(createBrokerAuth(deps.identity)),
      log: log.child({ area: 'broker' }),
      clock,
    },
  );
  const offRevoked = events.on('tokens.revoked', (e) => broker.disconnectTokens(e.tokens));
  return {
    name: 'messaging',
    broker,
    routes: [publishRoutes({ broker, auth: deps.auth })],
    async start(): Promise<Partial<Ports>> {
      return broker.listen();
    },
    async close() {
      offRevoked();
      await broker.close();
    },
  };
}
