// Three nodes started together on an empty database (README "Running a cluster"): the migrations run once
// under a lock, the first developer is created once, every node prints its id in the ready line and
// reports Redis and PostgreSQL reachable on /healthz.
import { expect } from 'chai';
import { createRestClient } from '../../bin/cli/rest-client.js';
import { startCluster, type TestCluster } from './harness.js';
import { devOn } from './world.js';

describe('cluster: three nodes started together on an empty database', function () {
  this.timeout(240_000);
  let cluster: TestCluster | undefined;
  let started: unknown;

  before(async () => {
    // Started inside the test's own hook, so a node that fails to start is this file's finding.
    started = await startCluster({ staggered: false }).then(
      (c) => (cluster = c),
      (err: unknown) => err,
    );
  });
  after(async () => {
    await cluster?.close();
  });

  it('every node comes up (migrations and first start race safely)', () => {
    expect(started instanceof Error ? started.message : '', 'start-up failure').to.equal('');
    expect(
      cluster
        ?.running()
        .map((n) => n.id)
        .sort(),
    ).to.deep.equal(['a', 'b', 'c']);
  });

  it('each ready line names its node', () => {
    for (const node of cluster?.running() ?? []) {
      expect(node.ready, `ready line of ${node.id}`).to.include({ node: node.id });
    }
  });

  it('/healthz on every node answers 200 with Redis and PostgreSQL reachable', async () => {
    for (const node of cluster?.running() ?? []) {
      const reply = await createRestClient(node.url).send<Record<string, unknown>>('GET', '/healthz');
      expect(reply.status, `healthz of ${node.id}: ${reply.text}`).to.equal(200);
      expect(JSON.stringify(reply.body), `healthz of ${node.id}`).to.match(/redis[^}]*ok/i);
      expect(JSON.stringify(reply.body), `healthz of ${node.id}`).to.match(/postgres[^}]*ok/i);
    }
  });

  it('the first developer exists once and can log in on every node', async () => {
    for (const node of cluster?.running() ?? []) {
      const dev = await devOn(node);
      expect(dev.headers['ClearBlade-DevToken'], `dev token from ${node.id}`)
        .to.be.a('string')
        .and.not.equal('');
    }
  });
});
