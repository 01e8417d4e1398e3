// Stream instances spread over three whole platforms in one process, on one redis-server and one
// PostgreSQL (services/cluster's Redis implementation of the Cluster contract, and its change feed):
// a save on A runs one instance on each node; when a node leaves, the others take its instance.
import { expect } from 'chai';
import type { TestPlatform } from '../../helpers/platform.js';
import { nodeCount, reloadedOn, startClusterOf, type TestCluster } from '../cluster/helpers.js';

const ADMIN_EMAIL = 'admin@test.local';
/** Waits for messages that never come: an instance that stays up. */
const TICK = `function Tick(req, resp) {
  var m = ClearBlade.Messaging();
  m.subscribe("never", function () {});
  m.waitForMessage(["never"], function () {});
}`;

describe('stream services on three clustered platforms (Redis + PostgreSQL)', function () {
  this.timeout(60000);
  let cluster: TestCluster | undefined;
  let nodes: readonly TestPlatform[];
  let systemKey: string;
  const count = (tp: TestPlatform) =>
    tp.platform.code.engine.running(systemKey).filter((i) => i.name === 'Tick').length;

  before(async () => {
    cluster = await startClusterOf(3);
    ({ nodes } = cluster);
    const dev = await nodes[0].platform.identity.developerByEmail(ADMIN_EMAIL);
    systemKey = nodes[0].platform.identity.systemsOf(dev?.id ?? '')[0]?.systemKey ?? '';
    await Promise.all(nodes.map((tp) => nodeCount(tp, 3)));
  });
  after(() => cluster?.close());

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
