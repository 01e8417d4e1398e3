// Edges end to end: a platform and two edges (separate data dirs, ephemeral ports, loopback), every relay
// direction of the seed table, an uplink cut (the edge keeps serving locally; queued `_platform` messages
// arrive after reconnecting, none lost, in order), a service deployed to one edge with its
// `$notification/sync/status`, and a failing deployment on `$notification/sync/error`.
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { clearBladeHeaders, createRestClient } from '../../bin/cli/rest-client.js';
import { startTestPlatform, tempDataDir, type TestPlatform } from '../helpers/platform.js';
import { waitFor } from '../helpers/wait-for.js';
import { arrived, startProxy, type TcpProxy } from '../services/edges/helpers.js';

const ADMIN = { email: 'admin@test.local', password: 'admin-pass-1' };

interface Got {
  topic: string;
  payload: string;
  qos: number;
}

interface Side {
  tp: TestPlatform;
  devToken: string;
}

async function rest(
  tp: TestPlatform,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> & { code?: string } }> {
  const headers = token === undefined ? {} : clearBladeHeaders.dev(token);
  const reply = await createRestClient(tp.url, headers).send<Record<string, unknown>>(method, path, { body });
  return { status: reply.status, body: reply.body ?? {} };
}

async function devLogin(tp: TestPlatform): Promise<string> {
  const res = await rest(tp, 'POST', '/admin/auth', undefined, ADMIN);
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  return String(res.body.dev_token);
}

async function client(
  side: Side,
  systemKey: string,
  filters: string[],
): Promise<{ c: MqttClient; got: Got[] }> {
  const got: Got[] = [];
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${String(side.tp.ports.mqtt)}`, {
    username: side.devToken,
    password: systemKey,
    reconnectPeriod: 0,
  });
  c.on('message', (topic, payload, packet) =>
    got.push({ topic, payload: payload.toString(), qos: packet.qos }),
  );
  if (filters.length > 0) await c.subscribeAsync(filters, { qos: 2 });
  return { c, got };
}

describe('e2e: a platform and two edges', function () {
  this.timeout(60000);
  let platform: Side;
  let systemKey: string;
  let proxy: TcpProxy | undefined;
  const edges: Side[] = [];
  const dataDirs: string[] = [];
  const clients: MqttClient[] = [];
  /** StartConnectDisconnect events the platform emitted (triggers map them to EdgeConnectedOnPlatform…). */
  const platformEvents: string[] = [];

  async function startEdge(name: string, token: string, port: number, dataDir: string): Promise<Side> {
    const tp = await startTestPlatform({
      dataDir,
      edge: { name, platformUrl: `mqtt://127.0.0.1:${String(port)}`, systemKey, token },
    });
    return { tp, devToken: '' };
  }

  before(async () => {
    const tp = await startTestPlatform();
    platform = { tp, devToken: await devLogin(tp) };
    for (const name of ['edge.connected', 'edge.disconnected'] as const) {
      tp.platform.events.on(name, (e) => platformEvents.push(`${name} ${e.edge}`));
    }
    const dev = await tp.platform.identity.developerByEmail(ADMIN.email);
    if (dev === undefined) throw new Error('no developer');
    systemKey = tp.platform.identity.systemsOf(dev.id)[0].systemKey;
    const mqttPort = tp.ports.mqtt ?? 0;
    const cut = await startProxy(mqttPort);
    proxy = cut;
    for (const name of ['e1', 'e2']) {
      const created = await rest(tp, 'POST', `/admin/edges/${systemKey}/${name}`, platform.devToken, {});
      expect(created.status, JSON.stringify(created.body)).to.equal(200);
      const dir = tempDataDir();
      dataDirs.push(dir);
      // e1 reaches the platform through a proxy the test can cut.
      const edge = await startEdge(
        name,
        String(created.body.token),
        name === 'e1' ? cut.port : mqttPort,
        dir,
      );
      // The first connection brings the system's identity (users, devices, roles: hashes only).
      if (edge.tp.platform.identity.system(systemKey) === undefined) {
        await waitFor(edge.tp.platform.edges.events, 'identityApplied', (sk) => sk === systemKey, {
          timeoutMs: 10000,
          what: `identity snapshot on ${name}`,
        });
      }
      expect(edge.tp.platform.identity.system(systemKey)).to.not.equal(undefined);
      edges.push({ tp: edge.tp, devToken: await devLogin(edge.tp) });
    }
    await edgesIn(['e1', 'e2'], true);
  });

  /**
   * Resolves once the platform reports every one of `names` in state `connected` (its edge.connected /
   * edge.disconnected events), then checks that REST answers the same.
   */
  async function edgesIn(names: string[], connected: boolean): Promise<void> {
    const registry = platform.tp.platform.edges.registry;
    const holds = () => names.every((n) => registry.get(systemKey, n).isConnected === connected);
    if (!holds()) {
      await waitFor(platform.tp.platform.events, connected ? 'edge.connected' : 'edge.disconnected', holds, {
        timeoutMs: 10000,
        what: `edges ${names.join(', ')} ${connected ? 'connected' : 'disconnected'}`,
      });
    }
    const res = await rest(platform.tp, 'GET', `/admin/edges/${systemKey}`, platform.devToken);
    const list = res.body as unknown as Array<{ name: string; isConnected: boolean }>;
    for (const n of names) {
      expect(
        list.find((e) => e.name === n),
        n,
      ).to.include({ isConnected: connected });
    }
  }

  after(async () => {
    for (const c of clients.splice(0)) await c.endAsync();
    for (const e of edges.splice(0)) await e.tp.close({ removeData: true });
    await proxy?.close();
    // `platform` is unset when `before` failed early.
    await (platform as Side | undefined)?.tp.close({ removeData: true });
    for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
  });

  async function clientsOnEverySide(filters: string[]) {
    const p = await client(platform, systemKey, filters);
    const a = await client(edges[0], systemKey, filters);
    const b = await client(edges[1], systemKey, filters);
    clients.push(p.c, a.c, b.c);
    return { p, a, b };
  }

  it('shows the edges connected over REST', async () => {
    const res = await rest(platform.tp, 'GET', `/admin/edges/${systemKey}/e2`, platform.devToken);
    expect(res.body).to.include({ name: 'e2', isConnected: true, edge_key: `${systemKey}:e2` });
    expect(res.body.last_seen).to.be.a('number');
  });

  it('relays every direction of the seed table on the same topic string with its QoS, without loops', async () => {
    const { p, a, b } = await clientsOnEverySide([
      'r/_platform',
      'r/_edge/e1',
      'r/_edge/e2',
      'r/_broadcast',
      'r/_edgeAndPlatform/e2',
      'end/#',
    ]);
    const has = (x: { got: Got[] }, payload: string) => x.got.some((g) => g.payload === payload);

    a.c.publish('r/_platform', 'a→p', { qos: 1 });
    await arrived(p.c, () => has(p, 'a→p'), 'edge to platform');
    expect(p.got.find((g) => g.payload === 'a→p')).to.deep.equal({
      topic: 'r/_platform',
      payload: 'a→p',
      qos: 1,
    });

    p.c.publish('r/_edge/e1', 'p→a', { qos: 2 });
    await arrived(a.c, () => has(a, 'p→a'), 'platform to edge');
    expect(a.got.find((g) => g.payload === 'p→a')).to.deep.equal({
      topic: 'r/_edge/e1',
      payload: 'p→a',
      qos: 2,
    });

    a.c.publish('r/_edge/e2', 'a→b', { qos: 1 });
    await arrived(b.c, () => has(b, 'a→b'), 'edge to edge');

    p.c.publish('r/_broadcast', 'p→all', { qos: 1 });
    await arrived(a.c, () => has(a, 'p→all'), 'platform broadcast');
    await arrived(b.c, () => has(b, 'p→all'), 'platform broadcast');

    a.c.publish('r/_broadcast', 'a→all', { qos: 1 });
    await arrived(p.c, () => has(p, 'a→all'), 'edge broadcast');
    await arrived(b.c, () => has(b, 'a→all'), 'edge broadcast');

    a.c.publish('r/_edgeAndPlatform/e2', 'a→b+p', { qos: 1 });
    await arrived(p.c, () => has(p, 'a→b+p'), 'edge to edge and platform');
    await arrived(b.c, () => has(b, 'a→b+p'), 'edge to edge and platform');

    // Barrier along every path, then count: nothing arrived twice or where it should not.
    p.c.publish('end/_broadcast', 'x', { qos: 1 });
    a.c.publish('end/_platform', 'x', { qos: 1 });
    a.c.publish('end/_edge/e2', 'x', { qos: 1 });
    await arrived(p.c, () => p.got.some((g) => g.topic === 'end/_platform'), 'barrier p');
    await arrived(b.c, () => b.got.filter((g) => g.topic.startsWith('end/')).length === 2, 'barrier b');
    await arrived(a.c, () => a.got.some((g) => g.topic === 'end/_broadcast'), 'barrier a');
    const payloads = (x: { got: Got[] }) =>
      x.got.filter((g) => !g.topic.startsWith('end/')).map((g) => g.payload);
    expect(payloads(p)).to.deep.equal(['a→p', 'p→a', 'p→all', 'a→all', 'a→b+p']);
    expect(payloads(a)).to.deep.equal(['a→p', 'p→a', 'a→b', 'p→all', 'a→all', 'a→b+p']);
    expect(payloads(b)).to.deep.equal(['a→b', 'p→all', 'a→all', 'a→b+p']);
  });

  it('keeps serving locally through an uplink cut and delivers the queued messages in order afterwards', async () => {
    const p = await client(platform, systemKey, ['q/_platform']);
    const a = await client(edges[0], systemKey, ['local/#']);
    clients.push(p.c, a.c);
    proxy?.cut();
    await edgesIn(['e1'], false);
    for (let i = 0; i < 50; i++) a.c.publish('q/_platform', String(i), { qos: 1 });
    a.c.publish('local/x', 'served while cut', { qos: 1 });
    await arrived(
      a.c,
      () => a.got.some((g) => g.payload === 'served while cut'),
      'local delivery during the cut',
    );
    expect(p.got).to.deep.equal([]);
    proxy?.restore();
    await edgesIn(['e1'], true);
    await arrived(p.c, () => p.got.length >= 50, 'queued messages', 10000);
    expect(p.got.map((g) => g.payload)).to.deep.equal([...Array(50).keys()].map(String));
    expect(p.got.every((g) => g.topic === 'q/_platform' && g.qos === 1)).to.equal(true);
    const e1 = platformEvents.filter((e) => e.endsWith(' e1'));
    expect(e1.slice(-3)).to.deep.equal(['edge.connected e1', 'edge.disconnected e1', 'edge.connected e1']);
  });

  it('refuses a wrong edge token; that edge keeps serving locally and keeps retrying', async () => {
    const dir = tempDataDir();
    dataDirs.push(dir);
    const wrong = await startEdge('stranger', 'not-the-token', platform.tp.ports.mqtt ?? 0, dir);
    try {
      const refusedLogged = () => wrong.tp.log.lines.some((l) => l.code === 'CB_ERR_EDGE_BAD_TOKEN');
      const uplink = wrong.tp.platform.edges.link?.uplink;
      if (uplink === undefined) throw new Error('the edge has no link');
      if (!refusedLogged())
        await waitFor(uplink.events, 'refused', undefined, { timeoutMs: 10000, what: 'refusal' });
      expect(refusedLogged()).to.equal(true);
      const health = await fetch(`${wrong.tp.url}/healthz`);
      expect(health.status).to.equal(200);
      const local = await mqtt.connectAsync(`mqtt://127.0.0.1:${String(wrong.tp.ports.mqtt)}`, {
        username: await devLogin(wrong.tp),
        password: wrong.tp.platform.identity.systemsOf(
          (await wrong.tp.platform.identity.developerByEmail(ADMIN.email))?.id ?? '',
        )[0].systemKey,
        reconnectPeriod: 0,
      });
      await local.endAsync();
    } finally {
      await wrong.tp.close();
    }
  });

  it('deploys a service to one edge and reports it on $notification/sync/status; a failing one on $notification/sync/error', async () => {
    const watch = await client(platform, systemKey, ['$notification/sync/#']);
    clients.push(watch.c);
    const code =
      'function Where(req, resp) { resp.success({ edge: ClearBlade.isEdge(), id: ClearBlade.edgeId() }); }';
    const svc = await rest(platform.tp, 'POST', `/admin/code/v/1/${systemKey}/Where`, platform.devToken, {
      code,
      parameters: [],
    });
    expect(svc.status, JSON.stringify(svc.body)).to.equal(200);
    const sync = await rest(platform.tp, 'PUT', `/admin/edges/sync/${systemKey}/e2`, platform.devToken, {
      add: [{ asset_class: 'service', asset_id: 'Where' }],
    });
    expect(sync.status, JSON.stringify(sync.body)).to.equal(200);
    await arrived(
      watch.c,
      () => watch.got.some((g) => g.topic === '$notification/sync/status'),
      'sync status',
      10000,
    );
    const status = JSON.parse(
      watch.got.find((g) => g.topic === '$notification/sync/status')?.payload ?? '{}',
    ) as object;
    expect(status).to.deep.equal({
      asset_class: 'service',
      asset_id: 'Where',
      edge: 'e2',
      status: 'success',
    });

    // It runs on e2 and knows where it runs; e1 does not have it.
    const run = await rest(edges[1].tp, 'POST', `/api/v/1/code/${systemKey}/Where`, edges[1].devToken, {});
    expect(run.body).to.deep.include({ success: true, results: { edge: true, id: 'e2' } });
    const missing = await rest(
      edges[0].tp,
      'POST',
      `/api/v/1/code/${systemKey}/Where`,
      edges[0].devToken,
      {},
    );
    expect(missing.status).to.not.equal(200);

    // Editing the service on the platform redeploys it to e2 without another sync call.
    const statuses = () =>
      watch.got.filter((g) => g.topic === '$notification/sync/status' && g.payload.includes('"Where"'))
        .length;
    const before = statuses();
    const edit = await rest(platform.tp, 'PUT', `/admin/code/v/1/${systemKey}/Where`, platform.devToken, {
      code: 'function Where(req, resp) { resp.success({ edge: ClearBlade.isEdge(), id: ClearBlade.edgeId(), v: 2 }); }',
    });
    expect(edit.status, JSON.stringify(edit.body)).to.equal(200);
    await arrived(watch.c, () => statuses() > before, 'redeployment status', 10000);
    const rerun = await rest(edges[1].tp, 'POST', `/api/v/1/code/${systemKey}/Where`, edges[1].devToken, {});
    expect(rerun.body).to.deep.include({ success: true, results: { edge: true, id: 'e2', v: 2 } });

    // A service whose library is not deployed to the edge cannot be bundled there.
    const lib = await rest(
      platform.tp,
      'POST',
      `/codeadmin/v/2/library/${systemKey}/Helpers`,
      platform.devToken,
      {
        code: 'function Helpers() { return { twice: function (x) { return 2 * x; } }; }',
      },
    );
    expect(lib.status, JSON.stringify(lib.body)).to.equal(200);
    const uses = await rest(
      platform.tp,
      'POST',
      `/admin/code/v/1/${systemKey}/UsesHelpers`,
      platform.devToken,
      {
        code: 'function UsesHelpers(req, resp) { resp.success(Helpers().twice(2)); }',
        dependencies: 'Helpers',
      },
    );
    expect(uses.status, JSON.stringify(uses.body)).to.equal(200);
    await rest(platform.tp, 'PUT', `/admin/edges/sync/${systemKey}/e2`, platform.devToken, {
      add: [{ asset_class: 'service', asset_id: 'UsesHelpers' }],
    });
    await arrived(
      watch.c,
      () => watch.got.some((g) => g.topic === '$notification/sync/error'),
      'sync error',
      10000,
    );
    const error = JSON.parse(
      watch.got.find((g) => g.topic === '$notification/sync/error')?.payload ?? '{}',
    ) as Record<string, unknown>;
    expect(error).to.include({
      asset_class: 'service',
      asset_id: 'UsesHelpers',
      edge: 'e2',
      originator: 'platform',
      destination: 'e2',
      event: 'create',
    });
    expect(error.message).to.be.a('string').and.not.equal('');
    expect(Date.parse(String(error.timestamp))).to.be.a('number').and.not.NaN;
  });
});
