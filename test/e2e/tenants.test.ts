// Two tenants side by side on one platform (DESIGN.md "Security model"): while system A holds every run slot
// it may have, fills its queue and answers with hostile results and headers, system B's runs complete with
// their own results, and A gets stable codes — never a 500, never a stall of B.
import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
import { codeWorld, type CodeWorld } from '../services/code/world.js';
import { waitFor } from '../helpers/wait-for.js';

// A micro run that announces itself, then holds its run slot until the test opens the gate.
const HOLD = `function Hold(req, resp) {
  var m = ClearBlade.Messaging();
  m.subscribe("gate", function () {});
  m.publish("held", req.params.n);
  m.waitForMessage(["gate"], function (err) { resp.success(err ? "no gate" : "released " + req.params.n); });
}`;
const DEEP = `function Deep(req, resp) { var v = []; for (var i = 0; i < 5000; i++) v = [v]; resp.success(v); }`;
const COOKIE = `function Cookie(req, resp) { resp.set({"Set-Cookie": "sid=stolen"}); resp.success("x"); }`;
const ADD = `function Add(req, resp) { resp.success(req.params.a + req.params.b); }`;

describe('e2e: two tenants side by side', function () {
  this.timeout(30_000);
  let w: CodeWorld | undefined;
  let client: MqttClient | undefined;
  afterEach(async () => {
    await client?.endAsync();
    await w?.close();
    client = undefined;
    w = undefined;
  });

  it("keeps system B's runs answering while system A holds its slots, overfills its queue and sends hostile answers", async () => {
    w = await codeWorld({ overrides: { 'engine.maxRunsPerSystem': 2, 'engine.maxQueuedPerSystem': 1 } });
    const world = w;
    const dev = (method: string, path: string, body?: unknown) =>
      world.http(method, path, { body, token: world.devToken });
    const a = w.systemKey;
    const dv = await w.tp.platform.identity.developerByEmail('admin@test.local');
    if (dv === undefined) throw new Error('no developer');
    const b = (await w.tp.platform.identity.createSystem(dv.id, { name: 'tenant B' })).systemKey;
    for (const [name, code] of [
      ['Hold', HOLD],
      ['Deep', DEEP],
      ['Cookie', COOKIE],
    ]) {
      expect((await dev('POST', `/admin/code/v/1/${a}/${name}`, { code })).status).to.equal(200);
    }
    expect((await dev('POST', `/admin/code/v/1/${b}/Add`, { code: ADD })).status).to.equal(200);

    client = mqtt.connect(`mqtt://127.0.0.1:${String(w.tp.ports.mqtt)}`, {
      username: w.devToken,
      password: a,
      reconnectPeriod: 0,
    });
    const mq = client;
    await waitFor(mq, 'connect');
    await mq.subscribeAsync('held');
    const held: string[] = [];
    mq.on('message', (topic, payload) => {
      if (topic === 'held') held.push(payload.toString());
    });

    // Hostile answers of A (deep result, cookie header) get stable codes; B still answers.
    const deep = await dev('POST', `/api/v/1/code/${a}/Deep`, {});
    expect(deep.status).to.be.below(500);
    expect(JSON.stringify(deep.body)).to.contain('CB_ERR_SANDBOX_RESULT_TOO_DEEP');
    const cookie = await dev('POST', `/api/v/1/code/${a}/Cookie`, {});
    expect(cookie.status).to.equal(502);
    expect(cookie.body.code).to.equal('CB_ERR_CODE_RESPONSE_HEADER');
    expect(cookie.headers).to.not.have.property('set-cookie');
    expect((await dev('POST', `/api/v/1/code/${b}/Add`, { a: 1, b: 1 })).body).to.deep.include({
      results: 2,
    });

    // A takes both of its run slots and waits there.
    const bothHeld = waitFor(mq, 'message', () => held.length === 2, { what: 'two held runs' });
    const running = [1, 2].map((n) => dev('POST', `/api/v/1/code/${a}/Hold`, { n: String(n) }));
    await bothHeld;
    // Two more: one fits A's queue, the other is refused at once.
    const extra = [3, 4].map((n) => dev('POST', `/api/v/1/code/${a}/Hold`, { n: String(n) }));
    const refused = await Promise.race(extra);
    expect(refused.status).to.equal(429);
    expect(refused.body).to.include({ code: 'CB_ERR_SANDBOX_BUSY', statusCode: 429 });

    // B is not behind A's queue: its run completes with its own result while A's are held.
    const sum = await dev('POST', `/api/v/1/code/${b}/Add`, { a: 2, b: 40 });
    expect(sum.status).to.equal(200);
    expect(sum.body).to.deep.include({ success: true, results: 42 });

    // Opening the gate releases A's held runs, then its queued one (which announces itself first).
    const third = waitFor(mq, 'message', () => held.length === 3, { what: 'the queued run' });
    await mq.publishAsync('gate', 'open');
    const done = await Promise.all(running);
    expect(done.map((r) => r.body.results).sort()).to.deep.equal(['released 1', 'released 2']);
    await third;
    await mq.publishAsync('gate', 'open');
    const queued = await Promise.all(extra);
    expect(queued.filter((r) => r.status === 200).map((r) => r.body.results)).to.have.length(1);
  });
});
