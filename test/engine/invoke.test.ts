import { expect } from 'chai';
import { harness, request, service, SYSTEM_KEY, SYSTEM_SECRET, caller, type Harness } from './helpers.js';

describe('engine invoke: the ClearBlade response envelope', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await h.engine.close();
  });

  const run = (name: string, body: string, params: unknown = {}) =>
    h.engine.invoke(service(name, `function ${name}(req, resp) { ${body} }`), request(params));

  it('keeps the JSON type of results (number, string, object, array, boolean, null)', async () => {
    expect(await run('A', 'resp.success(req.params.lhs + req.params.rhs);', { lhs: 3, rhs: 4 })).to.include({
      success: true,
      results: 7,
    });
    expect((await run('B', 'resp.success("7");')).results).to.equal('7');
    expect((await run('C', 'resp.success({a: [1, {b: true}]});')).results).to.deep.equal({
      a: [1, { b: true }],
    });
    expect((await run('D', 'resp.success(false);')).results).to.equal(false);
    expect((await run('E', 'resp.success(null);')).results).to.equal(null);
  });

  it('answers resp.error(x) with success false and x', async () => {
    expect(await run('F', 'resp.error({reason: "nope"});')).to.deep.include({
      success: false,
      results: { reason: 'nope' },
    });
  });

  it('renders an Error given to resp.error as "<Name>: <message>"', async () => {
    expect((await run('G', 'resp.error(new RangeError("too far"));')).results).to.equal(
      'RangeError: too far',
    );
  });

  it('stops at resp.success: code after it does not run, even when the sentinel is caught', async () => {
    const r = await run(
      'H',
      'try { resp.success(1); } catch (e) {} log("after"); ClearBlade.Messaging().publish("t", "x");',
    );
    expect(r).to.include({ success: true, results: 1 });
    expect(r.logs).to.have.length(0);
    expect(h.host.published).to.have.length(0);
  });

  it('keeps the first of several resp calls', async () => {
    const r = await run('I', 'try { resp.success("first"); } catch (e) {} resp.error("second");');
    expect(r).to.include({ success: true, results: 'first' });
  });

  it('answers success with null when the service falls off the end', async () => {
    expect(await run('J', 'var x = 1;')).to.include({ success: true, results: null });
  });

  it('answers a thrown error as success false with "<ErrorName>: <message>"', async () => {
    const r = await run('K', 'null.boom;');
    expect(r.success).to.equal(false);
    expect(r.results).to.match(/^TypeError: /);
    expect(r).to.have.property('code', 'CB_ERR_SANDBOX_UNCAUGHT');
  });

  it('handles thrown non-Errors (string, object, undefined)', async () => {
    expect((await run('L', 'throw "boom";')).results).to.equal('Error: boom');
    expect((await run('M', 'throw {code: 7};')).results).to.equal('Error: {"code":7}');
    expect((await run('N', 'throw undefined;')).results).to.equal('Error: undefined');
  });

  it('reports a syntax error with success false and code CB_ERR_SANDBOX_COMPILE', async () => {
    const r = await h.engine.invoke(service('Bad', 'function Bad(req, resp) { resp.success(1'), request());
    expect(r.success).to.equal(false);
    expect(r.message).to.match(/^SyntaxError: /);
    expect(r).to.include({ results: null, code: 'CB_ERR_SANDBOX_COMPILE' });
  });

  it('rejects prepare of code that does not compile with CB_ERR_SANDBOX_COMPILE', async () => {
    const err = await h.engine.prepare(service('Bad2', 'function Bad2( {')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.have.property('code', 'CB_ERR_SANDBOX_COMPILE');
  });

  it('answers CB_ERR_SANDBOX_NO_ENTRY when the code defines no function of the service name', async () => {
    const r = await h.engine.invoke(service('Missing', 'function Other(req, resp) {}'), request());
    expect(r).to.include({ success: false, code: 'CB_ERR_SANDBOX_NO_ENTRY' });
  });

  it('runs a CommonJS bundle through module.exports.default', async () => {
    const code =
      '"use strict"; module.exports.default = function (req, resp) { resp.success("from module"); };';
    expect((await h.engine.invoke(service('Mod', code), request())).results).to.equal('from module');
  });

  it('runs an esbuild IIFE bundle whose global namespace has a default export', async () => {
    const { build } = await import('esbuild');
    const out = await build({
      stdin: {
        contents:
          'export default function (req: unknown, resp: { success(x: unknown): never }) { resp.success("from esm"); }',
        loader: 'ts',
      },
      bundle: true,
      write: false,
      format: 'iife',
      globalName: 'EsmSvc',
      platform: 'neutral',
    });
    expect((await h.engine.invoke(service('EsmSvc', out.outputFiles[0].text), request())).results).to.equal(
      'from esm',
    );
    const cjs = 'module.exports = function (req, resp) { resp.success("whole exports"); };';
    expect((await h.engine.invoke(service('Cjs', cjs), request())).results).to.equal('whole exports');
  });

  it('runs async services and awaits their promise', async () => {
    const r = await run('As', 'return Promise.resolve(5).then(function (v) { resp.success(v * 2); });');
    expect(r).to.include({ success: true, results: 10 });
    const s = service('As2', 'async function As2(req, resp) { await null; throw new Error("later"); }');
    expect((await h.engine.invoke(s, request())).results).to.equal('Error: later');
  });

  it('passes status and headers from resp.status and resp.set', async () => {
    const r = await run(
      'St',
      'resp.status(202); resp.set({"X-A": "1"}); resp.set("X-B", 2); resp.success("ok");',
    );
    expect(r.status).to.equal(202);
    expect(r.headers).to.deep.equal({ 'X-A': '1', 'X-B': '2' });
  });

  it('fills req from the request and the caller', async () => {
    const body =
      'resp.success({params: req.params, systemKey: req.systemKey, systemSecret: req.systemSecret, userEmail: req.userEmail,' +
      ' userid: req.userid, userToken: req.userToken, isLogging: req.isLogging, id: req.service_instance_id, caller: req.caller});';
    const s = service('Req', `function Req(req, resp) { ${body} }`);
    const r = await h.engine.invoke(s, request({ a: 1 }, { instanceId: 'run-1', logging: true }));
    expect(r.results).to.deep.equal({
      params: { a: 1 },
      systemKey: SYSTEM_KEY,
      systemSecret: SYSTEM_SECRET,
      userEmail: caller.name,
      userid: caller.id,
      userToken: caller.token,
      isLogging: true,
      id: 'run-1',
      caller: { userid: caller.id, userToken: caller.token, userEmail: caller.name },
    });
    expect(r.instanceId).to.equal('run-1');
  });

  it('gives every run of a strict-isolation service a fresh context: globals and prototype changes do not leak', async () => {
    // Warm contexts (the default) are covered by test/engine/warm-runs.test.ts.
    const s = service(
      'Leak',
      'function Leak(req, resp) { var seen = [typeof globalThis.kept, typeof Array.prototype.evil]; globalThis.kept = 1; Array.prototype.evil = 1; resp.success(seen); }',
      { strictIsolation: true },
    );
    await h.engine.prepare(s);
    for (let i = 0; i < 3; i++)
      expect((await h.engine.invoke(s, request())).results).to.deep.equal(['undefined', 'undefined']);
  });

  it('leaves the call-depth rule to the invoke door: a run at any hop runs', async () => {
    // services/code/invoke.ts refuses at engine.hopLimit (test/services/code/depth.test.ts).
    const r = await h.engine.invoke(
      service('Deep', 'function Deep(req, resp) { resp.success(1); }'),
      request({}, { hop: 99 }),
    );
    expect(r).to.include({ success: true, results: 1 });
  });

  it('runs many invocations of one version concurrently', async () => {
    // Each run waits for one message on `go`: all six are in flight at once before any may answer.
    const s = service(
      'Par',
      'function Par(req, resp) { var m = ClearBlade.Messaging(); m.subscribe("go", function () {});' +
        ' m.waitForMessage(["go"], function () {}); resp.success(req.params.i); }',
    );
    const runs = [0, 1, 2, 3, 4, 5].map((i) => h.engine.invoke(s, request({ i })));
    await h.host.subscribedTimes('go', 6);
    expect(h.host.feed('go', 'now'), 'six runs waiting at once').to.equal(6);
    const results = await Promise.all(runs);
    expect(results.map((r) => r.results)).to.deep.equal([0, 1, 2, 3, 4, 5]);
  });

  it('ends runs still blocked after the close grace with CB_ERR_SANDBOX_CLOSED', async () => {
    await h.engine.close();
    h = await harness({ closeGraceMs: 20 });
    const s = service(
      'Blocked',
      'function Blocked(req, resp) { ClearBlade.Messaging().waitForMessage(["never"], function () {}); }',
    );
    const running = h.engine.invoke(s, request());
    await h.host.subscribed('never');
    await h.engine.close();
    expect(await running).to.include({ success: false, code: 'CB_ERR_SANDBOX_CLOSED' });
  });

  it('answers CB_ERR_SANDBOX_CLOSED after close, and close is idempotent', async () => {
    await h.engine.close();
    await h.engine.close();
    const r = await run('Late', 'resp.success(1);');
    expect(r).to.include({ success: false, code: 'CB_ERR_SANDBOX_CLOSED' });
  });
});
