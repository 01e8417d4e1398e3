import { expect } from 'chai';
import { useCliWorld } from './cli-world.js';

describe('isobar edges and isobar deploy', () => {
  const w = useCliWorld('ISOBAR_SYSTEM_KEY');
  const run = (...argv: string[]) => w.run(...argv);

  it('creates an edge, prints its token and start command, lists it and shows its status', async () => {
    const created = await run('edges', 'create', 'gw1', '--description', 'line 1');
    expect(created.code, created.err).to.equal(0);
    expect(created.out).to.match(/token: \S+/);
    expect(created.out).to.include(`--edge gw1 --system ${w.systemKey}`);
    const list = await run('edges', 'list', '--json');
    expect(JSON.parse(list.out)).to.have.length(1);
    const status = await run('edges', 'status', 'gw1');
    expect(status.code, status.err).to.equal(0);
    expect(status.out).to.include('gw1: disconnected, last seen never');
    expect(status.out).to.include('deployed: (nothing)');
  });

  it('deploys a service to an edge and takes it off again', async () => {
    await w.tp.platform.code.registry.create(w.systemKey, 'Hello', {
      code: 'function Hello(req, resp) { resp.success("hi"); }',
    });
    const deployed = await run('deploy', 'Hello', '--edge', 'gw1');
    expect(deployed.code, deployed.err).to.equal(0);
    expect(deployed.out).to.include('deployed service Hello to gw1');
    expect((await run('edges', 'status', 'gw1')).out).to.include('deployed: service:Hello');
    const removed = await run('deploy', 'service:Hello', '--edge', 'gw1', '--remove');
    expect(removed.out).to.include('removed service Hello from gw1');
  });

  it('reports refusals with their stable code and usage errors with exit code 2', async () => {
    const unknown = await run('deploy', 'Hello', '--edge', 'ghost');
    expect(unknown.code).to.equal(1);
    expect(unknown.err).to.include('CB_ERR_EDGE_UNKNOWN');
    const missing = await run('deploy', 'Nope', '--edge', 'gw1');
    expect(missing.err).to.include('CB_ERR_CODE_SERVICE_UNKNOWN');
    expect((await run('deploy', 'Hello')).code).to.equal(2);
    expect((await run('edges', 'create', 'bad/name')).err).to.include('CB_ERR_EDGE_BAD_NAME');
  });
});
