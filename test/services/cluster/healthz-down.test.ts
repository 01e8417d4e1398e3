// /healthz of a running cluster node whose redis-server stops answering: 503 with `redis: 'down'`, so a
// load balancer stops sending it work it cannot finish (services/cluster/health.ts). Own servers: this
// file freezes its Redis (SIGSTOP: connections stay open, nothing answers, the 1 s PING bound decides)
// and thaws it (SIGCONT) so the node can then leave and close normally.
import { expect } from 'chai';
import type { TestPlatform } from '../../helpers/platform.js';
import { startPostgres, startRedis, type TestPostgres, type TestRedis } from '../../helpers/servers.js';
import { startNode } from './helpers.js';

describe('services/cluster: /healthz when Redis stops answering under a running node', function () {
  this.timeout(60000);
  let redis: TestRedis;
  let pg: TestPostgres;
  let node: TestPlatform;
  let frozen = false;

  before(async () => {
    [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
    node = await startNode('solo', redis.url, await pg.createDatabase());
  });
  after(async () => {
    if (frozen) redis.process.kill('SIGCONT');
    await node?.close({ removeData: true });
    await Promise.all([redis?.stop(), pg?.stop()]);
  });

  it('answers 200 with every engine up, then 503 with redis down while redis-server is stopped', async () => {
    const up = await fetch(`${node.url}/healthz`);
    expect(up.status).to.equal(200);
    expect(await up.json()).to.deep.equal({ status: 'ok', node: 'solo', redis: 'ok', postgres: 'ok' });

    frozen = redis.process.kill('SIGSTOP');
    expect(frozen).to.equal(true);
    const down = await fetch(`${node.url}/healthz`);
    expect(down.status).to.equal(503);
    const body = (await down.json()) as Record<string, unknown>;
    expect(body).to.include({ node: 'solo', redis: 'down', postgres: 'ok' });
    expect(body.status).to.not.equal('ok');

    redis.process.kill('SIGCONT');
    frozen = false;
  });
});
