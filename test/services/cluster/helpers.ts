// Shared by the cluster tests: whole platforms in cluster mode on one redis-server and one PostgreSQL
// database, and waiting for a node to list the others or to have reloaded what another node changed.
import { startTestPlatform, type TestPlatform } from '../../helpers/platform.js';
import { startPostgres, startRedis, type TestPostgres, type TestRedis } from '../../helpers/servers.js';

export const HEARTBEAT_S = 1;

/** Starts one cluster node on `redisUrl` and `databaseUrl`; `overrides` add config values. */
export function startNode(
  nodeId: string,
  redisUrl: string,
  databaseUrl: string,
  overrides: Record<string, string | number | boolean> = {},
): Promise<TestPlatform> {
  return startTestPlatform({
    overrides: {
      'cluster.enabled': true,
      'cluster.redisUrl': redisUrl,
      'store.databaseUrl': databaseUrl,
      'cluster.nodeId': nodeId,
      'cluster.heartbeatS': HEARTBEAT_S,
      ...overrides,
    },
  });
}

/** Whole cluster nodes on one fresh redis-server and one fresh PostgreSQL database. */
export interface TestCluster {
  readonly redis: TestRedis;
  readonly pg: TestPostgres;
  /** Node ids 'a', 'b', 'c', … in that order. */
  readonly nodes: readonly TestPlatform[];
  /** Closes every node (a node a test closed already is fine), then both servers. */
  close(): Promise<void>;
}

/**
 * Starts `n` nodes on fresh servers so cluster tests need not wire them by hand: by default the first
 * alone (it creates the admin developer and Default system), then the others together; `together` starts
 * all at once on the empty database instead.
 */
export async function startClusterOf(n: number, options: { together?: boolean } = {}): Promise<TestCluster> {
  const [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
  const nodes: TestPlatform[] = [];
  const close = async (): Promise<void> => {
    for (const tp of nodes) await tp.close({ removeData: true });
    await Promise.all([redis.stop(), pg.stop()]);
  };
  try {
    const databaseUrl = await pg.createDatabase();
    const ids = Array.from({ length: n }, (_, i) => String.fromCharCode(97 + i));
    const start = async (some: readonly string[]): Promise<void> => {
      // Settled, not all: a node that did start is still closed when another fails.
      const started = await Promise.allSettled(some.map((id) => startNode(id, redis.url, databaseUrl)));
      for (const r of started) if (r.status === 'fulfilled') nodes.push(r.value);
      const failed = started.find((r) => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    };
    if (options.together === true) await start(ids);
    else {
      await start(ids.slice(0, 1));
      await start(ids.slice(1));
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { redis, pg, nodes, close };
}

/** Resolves with `tp`'s node list once it lists exactly `count` nodes; rejects after `ms`. */
export function nodeCount(tp: TestPlatform, count: number, ms = 10000): Promise<readonly string[]> {
  const { cluster } = tp.platform;
  if (cluster.nodes().length === count) return Promise.resolve(cluster.nodes());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(
        new Error(`${tp.config.cluster.nodeId} lists ${cluster.nodes().join(',')}, not ${String(count)}`),
      );
    }, ms);
    const off = cluster.onNodesChanged((nodes) => {
      if (nodes.length !== count) return;
      clearTimeout(timer);
      off();
      resolve(nodes);
    });
  });
}

/**
 * Resolves once `check()` holds on `tp`: at once if it already does, else after one of `tp`'s reloads of
 * `systemKey` (the feed's afterReload event) makes it hold; rejects after `ms` with `what`.
 */
export function syncedOn(
  tp: TestPlatform,
  systemKey: string,
  what: string,
  check: () => boolean,
  ms = 5000,
): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${tp.config.cluster.nodeId}: ${what} not seen within ${String(ms)} ms`));
    }, ms);
    const off = tp.platform.feed.afterReload((k) => {
      if (k !== systemKey || !check()) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

/** Resolves when `tp` has reloaded `systemKey` because another node changed it; rejects after `ms`. */
export function reloadedOn(tp: TestPlatform, systemKey: string, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no reload of ${systemKey} on ${tp.config.cluster.nodeId} within ${String(ms)} ms`));
    }, ms);
    const off = tp.platform.feed.afterReload((k) => {
      if (k !== systemKey) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

/** What a Messaging::Publish trigger is made of in these tests: its name, topic filter and service. */
export interface PublishTrigger {
  readonly name: string;
  readonly topic: string;
  readonly service: string;
}

/** Creates `trigger` on `tp` as developer `devId`: the trigger the cluster tests watch travel the feed. */
export function createPublishTrigger(
  tp: TestPlatform,
  systemKey: string,
  trigger: PublishTrigger,
  devId: string,
): Promise<unknown> {
  return tp.platform.automation.triggers.create(
    systemKey,
    trigger.name,
    {
      def_module: 'Messaging',
      def_name: 'Publish',
      key_value_pairs: { topic: trigger.topic },
      service_name: trigger.service,
    },
    { kind: 'developer', id: devId },
  );
}
