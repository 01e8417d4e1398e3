// Stream instances spread over three whole platforms in one process, on one redis-server and one
// PostgreSQL (services/cluster's Redis implementation of the Cluster contract, and its change feed):
// a save on A runs one instance on each node; when a node leaves, the others take its instance.
import { expect } from 'chai';
import { startTestPlatform, type TestPlatform } from '../../helpers/platform.js';
import { startPostgres, startRedis, type TestPostgres, type TestRedis } from '../../helpers/servers.js';
import { reloadedOn } from '../cluster/helpers.js';

const ADMIN_EMAIL = 'admin@test.local';
/** Waits for messages that never come: an instance that stays up. */
const TICK = `function Tick(req, resp) {
  var m = ClearBlade.Messaging();
  m.subscribe("never", function () {});
  m.waitForMessage(["never"], function () {});
}`;

/** Resolves once `tp` lists exactly `count` nodes; rejects after `ms`. */
function nodeCount(tp: TestPlatform, count: number, ms = 10000): Promise<void> {
  const { cluster } = tp.platform;
  if (cluster.nodes().length === count) return Promise.resolve();
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
      resolve();
    });
  });
}

describe('stream services on three clustered platforms (Redis + PostgreSQL)', function () {
  this.timeout(60000);
  let redis: TestRedis;
  let pg: TestPostgres;
  let nodes: TestPlatform[];
  let systemKey: string;
  const count = (tp: TestPlatform) =>
    tp.platform.code.engine.running(systemKey).filter((i) => i.name === 'Tick').length;

  before(async () => {
    [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
    const databaseUrl = await pg.createDatabase();
    const node = (nodeId: string) =>
      startTestPlatform({
        overrides: {
          'cluster.enabled': true,
          'cluster.redisUrl': redis.url,
          'store.databaseUrl': databaseUrl,
          'cluster.nodeId': nodeId,
          'cluster.heartbeatS': 1,
        },
      });
    nodes = [await node('a')];
    nodes.push(...(await Promise.all([node('b'), node('c')])));
    const dev = await nodes[0].platform.identity.developerByEmail(ADMIN_EMAIL);
    systemKey = nodes[0].platform.identity.systemsOf(dev?.id ?? '')[0]?.systemKey ?? '';
    await Promise.all(nodes.map((tp) => nodeCount(tp, 3)));
  });
  after(async () => {
    for (const tp of nodes ?? []) await tp.close({ removeData: true });
    await Promise.all([redis?.stop(), pg?.stop()]);
  });

  it('runs concurrency 3 as one instance per node, and moves a leaving node’s instance to the others', async () => {
    const [a, b, c] = nodes;
    const fed = [reloadedOn(b, systemKey), reloadedOn(c, systemKey)];
    await a.platform.code.registry.create(systemKey, 'Tick', {
      code: TICK,
      execution_timeout: -1,
      concurrency: 3,
      auto_restart: true,
    });
    await Promise.all(fed);
    await Promise.all(nodes.map((tp) => tp.platform.code.streams.settled()));
    expect(nodes.map(count)).to.deep.equal([1, 1, 1]);

    // C leaves (an orderly close: announced at once; a silent death is seen within the heartbeat bound).
    const left = [nodeCount(a, 2), nodeCount(b, 2)];
    await c.close({ removeData: true });
    nodes = [a, b];
    await Promise.all(left);
    await Promise.all([a.platform.code.streams.settled(), b.platform.code.streams.settled()]);
    expect(count(a) + count(b)).to.equal(3);
    expect([count(a), count(b)].sort()).to.deep.equal([1, 2]);
  });
});
