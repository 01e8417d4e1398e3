// Identities cannot be borrowed by services (DESIGN.md "Code services", Identity), over real HTTP, real MQTT and real
// isolates: run_user only from developers; a user's stream runs as that user; a user's micro service never
// runs above its author's rights, not even when a developer runs it or through Code().execute; deleting
// the author stops its streams and refuses its runs.
import { rmSync } from 'node:fs';
import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
import { clientEvent, collect, nothingBefore } from '../../broker/helpers.js';
import { tempDataDir } from '../../helpers/platform.js';
import { codeWorld, type CodeWorld } from './world.js';

/** Subscribes to $trigger/# (the attack: a user-created stream reading every event), then reports whether that worked on two topics. */
const SPY = (name: string) => `function ${name}(req, resp) {
  var m = ClearBlade.Messaging();
  m.subscribe("$trigger/#", function (err) {
    m.publish("open/leak", err ? "refused" : "granted");
    m.publish("out/status", err ? "refused" : "granted");
  });
  while (true) m.waitForMessage(["out/never"], function () {});
}`;

/** Publishes where its author may not, directly and through a developer's service, then marks the end. */
const LEAK = `function Leak(req, resp) {
  var m = ClearBlade.Messaging();
  m.publish("open/direct", "x");
  ClearBlade.Code().execute("PublishTo", { topic: "open/chained" }, function (err, r) {
    m.publish("out/done", err ? "execute refused" : "executed");
    resp.success(r);
  });
}`;

/** A developer's generic helper: publishes to the topic it is given (runs as its caller). */
const PUBLISH_TO = `function PublishTo(req, resp) {
  ClearBlade.Messaging().publish(req.params.topic, "via PublishTo");
  resp.success("sent");
}`;

describe('services/code: run-as identities cannot be borrowed', function () {
  this.timeout(20000);
  let w: CodeWorld;
  let witness: MqttClient;
  let other: { userId: string; token: string };

  /** The user of the world: may manage services and use out/#, nothing else. */
  before(async () => {
    w = await codeWorld();
    await w.grant({
      allservices: { permissions: 15 },
      topics: [{ itemInfo: { name: 'out/#' }, permissions: 3 }],
    });
    // A second user who may publish on open/# (the identity a borrower would want).
    const identity = w.tp.platform.identity;
    const victim = await identity.registerUser(w.systemKey, 'victim@test.local', 'victim-pass-1');
    await identity.createRole(w.systemKey, {
      name: 'OpenPublisher',
      changes: {
        allservices: { permissions: 1 },
        topics: [
          { itemInfo: { name: 'open/#' }, permissions: 3 },
          { itemInfo: { name: 'out/#' }, permissions: 3 },
        ],
      },
    });
    await identity.changeRoles(w.systemKey, 'user', victim.user_id, { add: ['OpenPublisher'] });
    const login = await identity.loginUser(w.systemKey, 'victim@test.local', 'victim-pass-1');
    other = { userId: victim.user_id, token: login.token };
    witness = mqtt.connect(`mqtt://127.0.0.1:${String(w.tp.ports.mqtt)}`, {
      username: w.devToken,
      password: w.systemKey,
      reconnectPeriod: 0,
    });
    await clientEvent(witness, 'connect');
    await witness.subscribeAsync(['open/#', 'out/#']);
  });
  after(async () => {
    await witness.endAsync(true);
    await w.close();
  });

  const dev = (method: string, path: string, body?: unknown) =>
    w.http(method, path, { body, token: w.devToken });
  const asUser = (method: string, path: string, body?: unknown, token = w.userToken) =>
    w.http(method, path, { body, token, header: 'ClearBlade-UserToken' });
  const v3 = (name: string) => `/api/v/3/code/${w.systemKey}/service/${name}`;
  const removeAll = async (...names: string[]) => {
    for (const name of names) await dev('DELETE', `/admin/code/v/1/${w.systemKey}/${name}`);
  };

  it('refuses run_user from a user token with 403 CB_ERR_CODE_RUN_USER_FORBIDDEN (create and update)', async () => {
    const code =
      'function Borrow(req, resp) { ClearBlade.Messaging().publish("open/x", "x"); resp.success(1); }';
    const created = await asUser('POST', v3('Borrow'), { code, run_user: other.userId });
    expect(created.status).to.equal(403);
    expect(created.body.code).to.equal('CB_ERR_CODE_RUN_USER_FORBIDDEN');
    expect((await dev('GET', `/api/v/1/code/${w.systemKey}/Borrow`)).body.code).to.equal(
      'CB_ERR_CODE_SERVICE_UNKNOWN',
    );

    // A developer may lend an identity; a user may then neither change the code it runs nor the run_user.
    const lent = await dev('POST', `/admin/code/v/1/${w.systemKey}/Borrow`, { code, run_user: other.userId });
    expect(lent.status).to.equal(200);
    expect(lent.body).to.include({ run_user: other.userId });
    const evil =
      'function Borrow(req, resp) { ClearBlade.Messaging().publish("open/evil", "x"); resp.success(1); }';
    for (const body of [{ code: evil }, { run_user: '' }, { run_user: null }, { description: 'mine now' }]) {
      const r = await asUser('PUT', v3('Borrow'), body);
      expect(r.status, JSON.stringify(body)).to.equal(403);
      expect(r.body.code).to.equal('CB_ERR_CODE_RUN_USER_FORBIDDEN');
    }
    const after = await dev('GET', `/api/v/1/code/${w.systemKey}/Borrow`);
    expect(after.body).to.include({ current_version: 1, code, run_user: other.userId });
    expect(after.body.created_by).to.include({ kind: 'developer' });
    await removeAll('Borrow');
  });

  it("runs a user's stream service as that user: $trigger/# refused and nothing published outside its roles", async () => {
    const status = collect(witness, 1);
    const leaked = await nothingBefore(
      witness,
      async () => {
        const created = await asUser('POST', v3('UserSpy'), { code: SPY('UserSpy'), execution_timeout: -1 });
        expect(created.status).to.equal(200);
      },
      'out/status',
    );
    expect(leaked).to.deep.equal([]);
    const got = await dev('GET', `/api/v/1/code/${w.systemKey}/UserSpy`);
    expect(got.body.created_by).to.deep.equal({ kind: 'user', id: w.userId });
    expect((await status).map((m) => [m.topic, m.payload])).to.deep.equal([['out/status', 'refused']]);
    await removeAll('UserSpy');
  });

  it("keeps a developer's stream service running with developer rights (the legitimate case)", async () => {
    const seen = collect(witness, 2);
    const created = await dev('POST', `/admin/code/v/1/${w.systemKey}/DevSpy`, {
      code: SPY('DevSpy'),
      execution_timeout: -1,
    });
    expect(created.status).to.equal(200);
    expect((await seen).map((m) => [m.topic, m.payload])).to.deep.equal([
      ['open/leak', 'granted'],
      ['out/status', 'granted'],
    ]);
    await removeAll('DevSpy');
  });

  it("runs a user's micro service as its author when a developer executes it, through Code().execute too", async () => {
    await dev('POST', `/admin/code/v/1/${w.systemKey}/PublishTo`, { code: PUBLISH_TO });
    expect((await asUser('POST', v3('Leak'), { code: LEAK })).status).to.equal(200);
    let result: { status: number; body: Record<string, unknown> } | undefined;
    const leaked = await nothingBefore(
      witness,
      async () => {
        result = await dev('POST', `/api/v/1/code/${w.systemKey}/Leak`, {});
      },
      'out/done',
    );
    expect(leaked).to.deep.equal([]);
    expect(result?.body).to.include({ success: true });

    // The legitimate case: the developer's own service runs as the developer.
    const direct = collect(witness, 1);
    const r = await dev('POST', `/api/v/1/code/${w.systemKey}/PublishTo`, { topic: 'open/dev' });
    expect(r.body).to.deep.equal({ success: true, results: 'sent' });
    expect((await direct).map((m) => m.topic)).to.deep.equal(['open/dev']);
    await removeAll('Leak', 'PublishTo');
  });

  it("bounds another user's run of a user's micro service by the author's rights", async () => {
    await dev('POST', `/admin/code/v/1/${w.systemKey}/PublishTo`, { code: PUBLISH_TO });
    await asUser('POST', v3('Leak'), { code: LEAK });
    // `other` may publish on open/#, the author may not: the run publishes nowhere the author could not.
    const leaked = await nothingBefore(
      witness,
      async () => {
        const r = await asUser('POST', `/api/v/1/code/${w.systemKey}/Leak`, {}, other.token);
        expect(r.body).to.include({ success: true });
      },
      'out/done',
    );
    expect(leaked).to.deep.equal([]);

    // The legitimate case: `other` running the developer's service uses its own rights.
    const own = collect(witness, 1);
    const r = await asUser(
      'POST',
      `/api/v/1/code/${w.systemKey}/PublishTo`,
      { topic: 'open/own' },
      other.token,
    );
    expect(r.body).to.deep.equal({ success: true, results: 'sent' });
    expect((await own).map((m) => m.topic)).to.deep.equal(['open/own']);
    await removeAll('Leak', 'PublishTo');
  });

  it('stops the streams of a deleted user and refuses runs of its services with CB_ERR_CODE_AUTHOR_UNKNOWN', async () => {
    const identity = w.tp.platform.identity;
    const temp = await identity.registerUser(w.systemKey, 'temp@test.local', 'temp-pass-1');
    await identity.changeRoles(w.systemKey, 'user', temp.user_id, { add: ['CodeTestRole'] });
    const token = (await identity.loginUser(w.systemKey, 'temp@test.local', 'temp-pass-1')).token;
    const ready = collect(witness, 1);
    const stream = `function TempStream(req, resp) {
      var m = ClearBlade.Messaging();
      m.publish("out/temp-ready", "1");
      while (true) m.waitForMessage(["out/never"], function () {});
    }`;
    expect(
      (await asUser('POST', v3('TempStream'), { code: stream, execution_timeout: -1 }, token)).status,
    ).to.equal(200);
    expect(
      (
        await asUser(
          'POST',
          v3('TempMicro'),
          { code: 'function TempMicro(req, resp) { resp.success(1); }' },
          token,
        )
      ).status,
    ).to.equal(200);
    expect((await ready).map((m) => m.topic)).to.deep.equal(['out/temp-ready']);
    const engine = w.tp.platform.code.engine;
    expect(engine.running(w.systemKey).map((i) => i.name)).to.deep.equal(['TempStream']);

    await identity.deleteUser(w.systemKey, temp.user_id);
    expect(engine.running(w.systemKey)).to.deep.equal([]);
    const run = await dev('POST', `/api/v/1/code/${w.systemKey}/TempMicro`, {});
    expect(run.status).to.equal(409);
    expect(run.body.code).to.equal('CB_ERR_CODE_AUTHOR_UNKNOWN');

    // A developer taking the service over (new source) makes it run again, as the developer.
    const fixed = await dev('PUT', `/admin/code/v/1/${w.systemKey}/TempMicro`, {
      code: 'function TempMicro(req, resp) { resp.success(2); }',
    });
    expect(fixed.body.created_by).to.include({ kind: 'developer' });
    expect((await dev('POST', `/api/v/1/code/${w.systemKey}/TempMicro`, {})).body).to.deep.equal({
      success: true,
      results: 2,
    });
    await removeAll('TempStream', 'TempMicro');
  });
});

describe('services/code: a stream whose author is gone at platform start', function () {
  this.timeout(20000);
  const dataDir = tempDataDir();
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('is not started (logged with CB_ERR_CODE_AUTHOR_UNKNOWN), never as the owner instead', async () => {
    const first = await codeWorld({ dataDir });
    try {
      await first.grant({ allservices: { permissions: 15 } });
      const stream =
        'function Orphan(req, resp) { while (true) ClearBlade.Messaging().waitForMessage(["x"], function () {}); }';
      const created = await first.http('POST', `/api/v/3/code/${first.systemKey}/service/Orphan`, {
        body: { code: stream, execution_timeout: -1 },
        token: first.userToken,
        header: 'ClearBlade-UserToken',
      });
      expect(created.status).to.equal(200);
      await first.tp.platform.identity.deleteUser(first.systemKey, first.userId);
      expect(first.tp.platform.code.engine.running(first.systemKey)).to.deep.equal([]);
    } finally {
      await first.close();
    }
    const second = await codeWorld({ dataDir });
    try {
      expect(second.tp.platform.code.engine.running(second.systemKey)).to.deep.equal([]);
      const line = second.tp.log.lines.find((l) => l.msg === 'service not started' && l.name === 'Orphan');
      expect(line).to.include({ code: 'CB_ERR_CODE_AUTHOR_UNKNOWN' });
    } finally {
      await second.close();
    }
  });
});
