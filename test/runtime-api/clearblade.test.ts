import { expect } from 'chai';
import {
  harness,
  request,
  service,
  SYSTEM_KEY,
  SYSTEM_SECRET,
  caller,
  type Harness,
} from '../engine/helpers.js';

describe('runtime API: ClearBlade global, logging and helpers', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({
      edge: { isEdge: true, edgeId: 'edge-7', platformUrl: 'http://platform:9000' },
      nodeId: 'node-1',
    });
  });
  afterEach(async () => {
    await h.engine.close();
  });

  const run = (name: string, body: string, params: unknown = {}) =>
    h.engine.invoke(service(name, `function ${name}(req, resp) { ${body} }`), request(params));

  it('accepts every documented ClearBlade.init form for its own system', async () => {
    const body =
      'var out = []; ClearBlade.init({request: req});' +
      ' ClearBlade.init({systemKey: req.systemKey, systemSecret: req.systemSecret, email: "a@b.c", password: "p", callback: function (e, u) { out.push([e, u.email]); }});' +
      ' ClearBlade.init({systemKey: req.systemKey, systemSecret: req.systemSecret, registerUser: true, email: "a@b.c", password: "p"});' +
      ' ClearBlade.init({systemKey: req.systemKey, systemSecret: req.systemSecret, useUser: {email: "a@b.c", authToken: "t"}});' +
      ' try { ClearBlade.init({systemKey: "other", systemSecret: "x"}); } catch (e) { out.push(e.message); }' +
      ' try { ClearBlade.init({}); } catch (e) { out.push("needs options"); }' +
      ' out.push(ClearBlade.systemKey === req.systemKey, ClearBlade.user.email); resp.success(out);';
    expect((await run('Init', body)).results).to.deep.equal([
      [false, caller.name],
      "ClearBlade.init: system other is not this service's system",
      'needs options',
      true,
      caller.name,
    ]);
  });

  it('executes another service with Code().execute(name, params, [logging,] cb)', async () => {
    const adder = service(
      'Adder',
      'function Adder(req, resp) { resp.success(req.params.lhs + req.params.rhs); }',
    );
    h.host.executor = (ctx, name, params, logging) => {
      expect(ctx.service.name).to.equal('Caller');
      expect([name, logging]).to.deep.equal(['Adder', true]);
      return h.engine.invoke(adder, request(params, { hop: ctx.hop + 1 }));
    };
    const body =
      'var out = []; ClearBlade.Code().execute("Adder", {lhs: 1, rhs: 2}, true, function (e, d) { out.push([e, d]); });' +
      ' resp.success(out);';
    expect((await run('Caller', body)).results).to.deep.equal([[false, 3]]);
    h.host.executor = async () => ({
      success: false,
      results: 'Error: nope',
      logs: [],
      instanceId: 'x',
      durationMs: 0,
    });
    const body2 = 'ClearBlade.Code().execute("Adder", {}, function (e, d) { resp.success([e, d]); });';
    expect((await run('Caller', body2)).results).to.deep.equal([true, 'Error: nope']);
  });

  it('creates, fetches, updates and deletes triggers and timers through Host.call', async () => {
    for (const kind of ['trigger', 'timer']) {
      h.host.answers[`${kind}.create`] = (args) => ({ created: args[0], def: args[1] });
      h.host.answers[`${kind}.fetch`] = (args) => ({ fetched: args[0] });
      h.host.answers[`${kind}.update`] = (args) => ({ updated: args[1] });
      h.host.answers[`${kind}.delete`] = () => 'deleted';
    }
    const body = (cls: string) =>
      `var out = []; ClearBlade.${cls}.Create("n1", {service_name: "S"}, function (e, t) { out.push([e, t.name, t.created, t.def]); });` +
      ` ClearBlade.${cls}.Fetch("n1", function (e, t) { out.push([e, t.fetched, t.systemKey]);` +
      ' t.Update({frequency: 5}, function (e2, u) { out.push([e2, u.updated]); }); t.Delete(function (e3, d) { out.push([e3, d]); }); });' +
      ' resp.success(out);';
    for (const [cls, kind] of [
      ['Trigger', 'trigger'],
      ['Timer', 'timer'],
    ]) {
      h.host.calls.length = 0;
      expect((await run(cls, body(cls))).results).to.deep.equal([
        [false, 'n1', 'n1', { service_name: 'S' }],
        [false, 'n1', SYSTEM_KEY],
        [false, { frequency: 5 }],
        [false, 'deleted'],
      ]);
      expect(h.host.calls.map((c) => c.op)).to.deep.equal([
        `${kind}.create`,
        `${kind}.fetch`,
        `${kind}.update`,
        `${kind}.delete`,
      ]);
    }
  });

  it('tells edges from platforms: isEdge(), edgeId() and cbmeta', async () => {
    const r = await run('Meta', 'resp.success([ClearBlade.isEdge(), ClearBlade.edgeId(), cbmeta]);');
    const [isEdge, edgeId, meta] = r.results as [boolean, string, Record<string, unknown>];
    expect([isEdge, edgeId]).to.deep.equal([true, 'edge-7']);
    expect(meta).to.deep.include({
      is_edge: true,
      edge_id: 'edge-7',
      platform_url: 'http://platform:9000',
      node_id: 'node-1',
      service_name: 'Meta',
      system_key: SYSTEM_KEY,
      system_secret: SYSTEM_SECRET,
    });
    expect(meta.code_versions).to.have.property('Meta').that.is.a('number');
  });

  it('makes distinct v4 UUIDs with newUUID()', async () => {
    const r = await run(
      'Ids',
      'var ids = []; for (var i = 0; i < 20; i++) ids.push(newUUID()); resp.success(ids);',
    );
    const ids = r.results as string[];
    expect(new Set(ids).size).to.equal(20);
    for (const id of ids)
      expect(id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('blocks the isolate (not Node) in sleep(ms)', async () => {
    // sleep() is the behaviour under test here, not a way to wait for something.
    const r = await run('Sleepy', 'var t = Date.now(); sleep(30); resp.success(Date.now() - t >= 25);');
    expect(r.results).to.equal(true);
  });

  it('captures log() and console.* with their levels, in order, and hands them to Host.log', async () => {
    const body =
      'log("a", 1, {b: 2}); console.log("l"); console.info("i"); console.debug("d"); console.warn("w"); console.error("e");' +
      ' console.alert("al"); ClearBlade.logger("lg"); log(new TypeError("t")); resp.success(1);';
    const r = await run('Logs', body);
    expect(r.logs.map((l) => [l.level, l.message])).to.deep.equal([
      ['info', 'a 1 {"b":2}'],
      ['info', 'l'],
      ['info', 'i'],
      ['debug', 'd'],
      ['warn', 'w'],
      ['error', 'e'],
      ['error', 'al'],
      ['info', 'lg'],
      ['info', 'TypeError: t'],
    ]);
    expect(h.host.logs.filter((l) => l.service === 'Logs')).to.have.length(9);
  });

  it('calls the Messaging(options, cb) callback and shares subscriptions across Messaging() objects', async () => {
    const body =
      'var out = []; var a = ClearBlade.Messaging({}, function (e) { out.push(e); }); a.subscribe("x", function () {});' +
      ' var b = ClearBlade.Messaging(); b.waitForMessage(["x"], function (e, m) { out.push(m); }); resp.success(out);';
    const p = h.engine.invoke(
      service('Shared', `function Shared(req, resp) { ${body} }`, { executionTimeout: -1 }),
      request(),
    );
    await h.host.subscribed('x');
    h.host.feed('x', 'hello');
    expect((await p).results).to.deep.equal([false, 'hello']);
  });
});
