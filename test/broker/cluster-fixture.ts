// A broker cluster suite's redis-server, auth and named nodes, started once for the suite and stopped after
// it (with every client the nodes opened ended after each test), so each cluster suite names only its nodes
// and what it adds to the auth instead of repeating the start and the tear-down.
import { Redis } from 'ioredis';
import { useFixture } from '../helpers/fixture.js';
import { startRedis, type TestRedis } from '../helpers/servers.js';
import { createFakeAuth, SYS_A, type FakeAuth } from './helpers.js';
import { DEV_TOKEN, endClusterClients, startClusterBroker, type ClusterBroker } from './cluster-helpers.js';

/** What every broker cluster suite shares; its nodes sit beside these under the names the suite chose. */
export interface BrokerClusterBase {
  readonly redis: TestRedis;
  /** A plain Redis client, for what a test reads or sets on Redis itself. */
  readonly admin: Redis;
  /** The auth of every node: the developer token DEV_TOKEN of SYS_A, and whatever `prepareAuth` added. */
  readonly auth: FakeAuth;
}

export type BrokerCluster<N extends string> = BrokerClusterBase & Readonly<Record<N, ClusterBroker>>;

export interface BrokerClusterOptions {
  readonly heartbeatS?: number;
  /** Adds the suite's own tokens and policies before any node starts. */
  readonly prepareAuth?: (auth: FakeAuth) => void;
}

/**
 * Registers the suite hooks that start Redis and the nodes `nodeIds` (name in the test → node id), in order,
 * and stop them; answers the live cluster (readable inside tests only).
 */
export function useBrokerCluster<N extends string>(
  nodeIds: Readonly<Record<N, string>>,
  options: BrokerClusterOptions = {},
): BrokerCluster<N> {
  afterEach(() => endClusterClients());
  return useFixture(
    async () => {
      const redis = await startRedis();
      const admin = new Redis(redis.url);
      const auth = createFakeAuth();
      auth.add(DEV_TOKEN, { kind: 'developer', id: 'dev', name: 'dev@example.com', systemKey: SYS_A });
      options.prepareAuth?.(auth);
      const nodes: Partial<Record<N, ClusterBroker>> = {};
      for (const [name, nodeId] of Object.entries<string>(nodeIds)) {
        nodes[name as N] = await startClusterBroker(redis.url, nodeId, auth, {
          systemKey: SYS_A,
          heartbeatS: options.heartbeatS,
        });
      }
      return { redis, admin, auth, ...(nodes as Record<N, ClusterBroker>) };
    },
    async (cluster) => {
      for (const name of Object.keys(nodeIds) as N[]) await cluster[name].close();
      cluster.admin.disconnect();
      await cluster.redis.stop();
    },
  );
}
