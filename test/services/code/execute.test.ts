// POST /api/v/1/code/{sk}/{name}: the ClearBlade envelope over real HTTP with the real engine.
import { expect } from 'chai';
import { useCodeWorld } from './world.js';

describe('code execute over REST', () => {
  const w = useCodeWorld();
  before(async () => {
    const push = w.saveService;
    await push('Echo', 'function Echo(req, resp) { resp.success(req.params.value); }');
    await push('Adder', 'function Adder(req, resp) { resp.success(req.params.lhs + req.params.rhs); }');
    await push('Thrower', 'function Thrower(req, resp) { throw new TypeError("bad thing"); }');
    await push('Failer', 'function Failer(req, resp) { resp.error({ reason: "nope" }); }');
    await push(
      'WhoAmI',
      'function WhoAmI(req, resp) { resp.success({ id: req.service_instance_id, user: req.userid }); }',
    );
    await push(
      'Logger',
      'function Logger(req, resp) { log("one"); console.log("two"); resp.success(true); }',
    );
    await push('Spin', 'function Spin(req, resp) { while (true) {} }', { execution_timeout: 1 });
    await push(
      'Caller',
      'function Caller(req, resp) { ClearBlade.Code().execute("Adder", { lhs: 2, rhs: 5 }, function (err, data) { resp.success({ err: err, data: data }); }); }',
    );
  });

  const run = (
    name: string,
    body: unknown,
    o: { token?: string; header?: string; headers?: Record<string, string> } = {},
  ) =>
    w.http('POST', `/api/v/1/code/${w.systemKey}/${name}`, {
      body,
      token: o.token ?? w.devToken,
      header: o.header,
      headers: o.headers,
    });

  it('answers {success: true, results} keeping the JSON type of results', async () => {
    for (const value of [7, 'text', true, null, [1, 'a'], { nested: { x: 1 } }]) {
      const r = await run('Echo', { value });
      expect(r).to.deep.include({ status: 200, body: { success: true, results: value } });
    }
    expect((await run('Adder', { lhs: 3, rhs: 4 })).body).to.deep.equal({ success: true, results: 7 });
  });

  it('answers HTTP 200 {success: false, results: "<ErrorName>: <message>"} for a thrown error', async () => {
    expect(await run('Thrower', {})).to.deep.include({
      status: 200,
      body: { success: false, results: 'TypeError: bad thing' },
    });
    expect((await run('Failer', {})).body).to.deep.equal({ success: false, results: { reason: 'nope' } });
  });

  it('ends a run past its execution_timeout with success:false and the stable code', async () => {
    const r = await run('Spin', {});
    expect(r.status).to.equal(200);
    expect(r.body.success).to.equal(false);
    expect(String(r.body.results)).to.contain('CB_ERR_SANDBOX_TIMEOUT');
    expect((await run('Adder', { lhs: 1, rhs: 1 })).body).to.deep.equal({ success: true, results: 2 });
  });

  it('answers 404 CB_ERR_CODE_SERVICE_UNKNOWN for an unknown service', async () => {
    const r = await run('Nope', {});
    expect(r.status).to.equal(404);
    expect(r.body.code).to.equal('CB_ERR_CODE_SERVICE_UNKNOWN');
  });

  it('uses ?id= as req.service_instance_id and the caller as req.userid', async () => {
    const r = await w.http('POST', `/api/v/1/code/${w.systemKey}/WhoAmI?id=my-run-1`, {
      body: {},
      token: w.userToken,
      header: 'ClearBlade-UserToken',
    });
    // The user holds no service permission yet: denied before anything runs.
    expect(r.status).to.equal(403);
    expect(r.body.code).to.equal('CB_ERR_CODE_EXECUTE_DENIED');
    await w.grant({ services: [{ itemInfo: { name: 'WhoAmI' }, permissions: 1 }] });
    const ok = await w.http('POST', `/api/v/1/code/${w.systemKey}/WhoAmI?id=my-run-1`, {
      body: {},
      token: w.userToken,
      header: 'ClearBlade-UserToken',
    });
    expect(ok.body).to.deep.equal({ success: true, results: { id: 'my-run-1', user: w.userId } });
    const other = await run('Echo', {}, { token: w.userToken, header: 'ClearBlade-UserToken' });
    expect(other.body.code).to.equal('CB_ERR_CODE_EXECUTE_DENIED');
  });

  it('accepts a device token in ClearBlade-DeviceToken and in ClearBlade-UserToken', async () => {
    const identity = w.tp.platform.identity;
    await identity.createDevice(w.systemKey, 'dev-1', { active_key: 'device-key-1' });
    await identity.updateRole(w.systemKey, 'Authenticated', {
      changes: { services: [{ itemInfo: { name: 'Echo' }, permissions: 1 }] },
    });
    const login = await identity.loginDevice(w.systemKey, 'dev-1', 'device-key-1');
    for (const header of ['ClearBlade-DeviceToken', 'ClearBlade-UserToken']) {
      expect((await run('Echo', { value: 1 }, { token: login.token, header })).body).to.deep.equal({
        success: true,
        results: 1,
      });
    }
  });

  it('returns logs with Logging-enabled: true and not without', async () => {
    const plain = await run('Logger', {});
    expect(plain.body).to.deep.equal({ success: true, results: true });
    const logged = await run('Logger', {}, { headers: { 'Logging-enabled': 'true' } });
    expect(logged.body).to.include({ success: true, results: true });
    expect(logged.body.logs)
      .to.be.a('string')
      .that.matches(/one[\s\S]*two/);
  });

  it('runs another service through ClearBlade.Code().execute (the same door)', async () => {
    expect((await run('Caller', {})).body).to.deep.equal({ success: true, results: { err: false, data: 7 } });
  });
});
