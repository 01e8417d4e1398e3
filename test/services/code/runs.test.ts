// GET /api/v/3/code/{sk}/completed|failed (services/code/routes/runs.ts): a system's recent runs as the JS
// SDK's ServiceInfo, gated on the `allservices` read right, successes only for services that log their runs.
import { expect } from 'chai';
import { codeWorld, type CodeWorld } from './world.js';

describe('code: completed and failed runs of a system (REST)', function () {
  this.timeout(20000);
  let w: CodeWorld;
  beforeEach(async () => {
    w = await codeWorld();
    await w.devOk('POST', `/admin/code/v/1/${w.systemKey}/Ok`, {
      code: 'function Ok(req, resp) { resp.success(1); }',
    });
    await w.devOk('POST', `/admin/code/v/1/${w.systemKey}/Quiet`, {
      code: 'function Quiet(req, resp) { resp.success(2); }',
    });
    await w.devOk('POST', `/admin/code/v/1/${w.systemKey}/Throws`, {
      code: 'function Throws(req, resp) {\n  throw new Error("bad " + req.params.n);\n}',
    });
    await w.devOk('POST', `/codeadmin/v/2/logs/${w.systemKey}/Ok`, { logging: true });
  });
  afterEach(() => w.close());

  const run = (name: string, body: unknown = {}) =>
    w.http('POST', `/api/v/1/code/${w.systemKey}/${name}`, { body, token: w.devToken });

  it('lists successes of logging services and every failure, newest first, as ServiceInfo', async () => {
    await run('Ok');
    await run('Quiet');
    await run('Throws', { n: 1 });
    await run('Throws', { n: 2 });
    const completed = await w.http('GET', `/api/v/3/code/${w.systemKey}/completed`, { token: w.devToken });
    expect(completed.status).to.equal(200);
    const done = completed.body as unknown as Array<Record<string, unknown>>;
    // Quiet does not log its runs: its success leaves no row.
    expect(done.map((r) => r.Service)).to.deep.equal(['Ok']);
    expect(done[0]).to.include({ UserType: 1, source: 'rest' });
    expect(done[0]).to.have.deep.property('Error', { status_code: 0, error: {} });

    const failed = await w.http('GET', `/api/v/3/code/${w.systemKey}/failed`, { token: w.devToken });
    const bad = failed.body as unknown as Array<Record<string, unknown>>;
    expect(bad.map((r) => r.Service)).to.deep.equal(['Throws', 'Throws']);
    expect(bad[0]).to.have.nested.property('Error.error.message').that.includes('bad 2');
    expect(bad[1]).to.have.nested.property('Error.error.message').that.includes('bad 1');
    expect(bad[0]).to.have.nested.property('Error.error.position.line', 2);
    expect(bad[0]).to.have.nested.property('Response.success', false);

    const one = await w.http('GET', `/api/v/3/code/${w.systemKey}/failed?limit=1`, { token: w.devToken });
    expect(one.body as unknown as unknown[]).to.have.length(1);
  });

  it('refuses a user without read on all services and answers one with it, naming the user', async () => {
    await w.grant({ services: [{ itemInfo: { name: 'Throws' }, permissions: 1 }] });
    const asUser = { token: w.userToken, header: 'ClearBlade-UserToken' };
    const ran = await w.http('POST', `/api/v/1/code/${w.systemKey}/Throws`, { body: { n: 3 }, ...asUser });
    expect(ran.status).to.equal(200);
    const refused = await w.http('GET', `/api/v/3/code/${w.systemKey}/failed`, asUser);
    expect(refused.status).to.equal(403);
    expect(refused.body.code).to.equal('CB_ERR_AUTH_FORBIDDEN');

    await w.grant({ allservices: { permissions: 1 } });
    const allowed = await w.http('GET', `/api/v/3/code/${w.systemKey}/failed`, asUser);
    expect(allowed.status).to.equal(200);
    const rows = allowed.body as unknown as Array<Record<string, unknown>>;
    expect(rows[0]).to.include({ Service: 'Throws', UserId: w.userId, UserType: 2 });
  });

  it('refuses a caller without a token and an unknown system', async () => {
    const none = await w.http('GET', `/api/v/3/code/${w.systemKey}/completed`);
    expect(none.status).to.equal(401);
    const other = await w.http('GET', '/api/v/3/code/nosuchsystem/completed', { token: w.devToken });
    expect(other.status).to.be.within(400, 404);
    expect(other.body.code).to.match(/^CB_ERR_/);
  });
});
