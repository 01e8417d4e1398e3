// Three whole platforms in one process on one redis-server and one PostgreSQL database (services/cluster):
// the change feed carries identity and code changes to every node, tokens work on any node at once,
// revocations close connections everywhere, and a lost announcement is caught up within one heartbeat.
import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
import { openClients } from '../../helpers/clients.js';
import { useFixture } from '../../helpers/fixture.js';
import { Redis } from 'ioredis';
import type { TestPlatform } from '../../helpers/platform.js';
import { clientEvent, collect } from '../../broker/helpers.js';
import { createPublishTrigger, HEARTBEAT_S, nodeCount, reloadedOn, startClusterOf } from './helpers.js';

describe('services/cluster: the change feed across three nodes', function () {
  this.timeout(60000);
  // All three at once on an empty database: first start must create the admin developer once.
  const cluster = useFixture(
    () => startClusterOf(3, { together: true }),
    (started) => started.close(),
  );
  const clients = openClients();
  let [a, b, c]: TestPlatform[] = [];
  before(() => {
    [a, b, c] = cluster.nodes;
  });
  let systemKey: string;

  const connect = async (tp: TestPlatform, token: string): Promise<MqttClient> => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${String(tp.ports.mqtt)}`, {
      username: token,
      password: systemKey,
      reconnectPeriod: 0,
    });
    clients.push(client);
    await clientEvent(client, 'connect');
    return client;
  };

  it('creates the first developer and the Default system once when three nodes start together', async () => {
    expect(await a.platform.identity.developerCount()).to.equal(1);
    const dev = await a.platform.identity.developerByEmail('admin@test.local');
    expect(dev).to.not.equal(undefined);
    const systems = a.platform.identity.systemsOf(dev?.id ?? '');
    expect(systems.map((s) => s.name)).to.deep.equal(['Default']);
    systemKey = systems[0]?.systemKey ?? '';
    // A node that lost the race learns of the system through the feed ('*') within the bound.
    for (const tp of [b, c]) {
      if (tp.platform.identity.system(systemKey) === undefined) await reloadedOn(tp, '*');
    }
    await Promise.all([b.platform.feed.settled(), c.platform.feed.settled()]);
    expect(b.platform.identity.system(systemKey)?.name).to.equal('Default');
    expect(c.platform.identity.system(systemKey)?.name).to.equal('Default');
  });

  it('lists every node on every node', async () => {
    for (const tp of [a, b, c]) expect(await nodeCount(tp, 3)).to.deep.equal(['a', 'b', 'c']);
  });

  it('lets a user created on A log in on B, and a token issued on A work on B at once (REST and MQTT)', async () => {
    const onB = reloadedOn(b, systemKey);
    await a.platform.identity.registerUser(systemKey, 'u1@example.test', 'user-pass-12345', {});
    await onB;
    const login = await b.platform.identity.loginUser(systemKey, 'u1@example.test', 'user-pass-12345');
    expect(login.token).to.be.a('string');
    const fromA = await a.platform.identity.loginUser(systemKey, 'u1@example.test', 'user-pass-12345');
    const res = await fetch(`${b.url}/api/v/1/user/info`, {
      headers: { 'ClearBlade-UserToken': fromA.token },
    });
    expect(res.status).to.equal(200);
    const fromA2 = await a.platform.identity.loginUser(systemKey, 'u1@example.test', 'user-pass-12345');
    const client = await connect(c, fromA2.token);
    expect(client.connected).to.equal(true);
  });

  it('lets an anonymous token issued on A work on B at once (it is no member: no membership is looked for)', async () => {
    const anon = await a.platform.identity.loginAnon(systemKey);
    const res = await fetch(`${b.url}/api/v/1/user/checkauth`, {
      method: 'POST',
      headers: { 'ClearBlade-UserToken': anon.token },
    });
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.include({ is_authenticated: true });
  });

  it("applies a role edit made on A to B's live MQTT connection (subscription dropped)", async () => {
    const idA = a.platform.identity;
    let onB = reloadedOn(b, systemKey);
    const { user_id: userId } = await idA.registerUser(systemKey, 'u2@example.test', 'user-pass-12345', {});
    await idA.createRole(systemKey, {
      name: 'Sensors',
      changes: { topics: [{ itemInfo: { name: 'sensors/#' }, permissions: 3 }] },
    });
    await idA.createRole(systemKey, {
      name: 'Pings',
      changes: { topics: [{ itemInfo: { name: 'ping/#' }, permissions: 3 }] },
    });
    await idA.changeRoles(systemKey, 'user', userId, { add: ['Sensors', 'Pings'] });
    await onB;
    await b.platform.feed.settled();
    const login = await idA.loginUser(systemKey, 'u2@example.test', 'user-pass-12345');
    const client = await connect(b, login.token);
    expect((await client.subscribeAsync(['sensors/#', 'ping/#'])).map((g) => g.qos)).to.deep.equal([0, 0]);
    const before = collect(client, 1);
    await b.platform.broker.publish(systemKey, 'sensors/1', 'before');
    expect((await before).map((m) => m.topic)).to.deep.equal(['sensors/1']);

    onB = reloadedOn(b, systemKey);
    await idA.updateRole(systemKey, 'Sensors', {
      changes: { topics: [{ itemInfo: { name: 'sensors/#' }, permissions: 0 }] },
    });
    await onB;
    // In order on one session: if the ping arrives first, the sensors message was not delivered.
    const after = collect(client, 1);
    await b.platform.broker.publish(systemKey, 'sensors/1', 'after');
    await b.platform.broker.publish(systemKey, 'ping/1', 'marker');
    expect((await after).map((m) => m.topic)).to.deep.equal(['ping/1']);
  });

  it('closes on C the connection of a token logged out on A', async () => {
    const login = await a.platform.identity.loginUser(systemKey, 'u1@example.test', 'user-pass-12345');
    const client = await connect(c, login.token);
    const closed = clientEvent(client, 'close');
    await a.platform.identity.revokeToken(login.token);
    await closed;
    expect(() => c.platform.identity.verifyToken(login.token))
      .to.throw()
      .with.property('code', 'CB_ERR_AUTH_INVALID_TOKEN');
  });

  it('runs on B a service saved on A', async () => {
    const onB = reloadedOn(b, systemKey);
    await a.platform.code.registry.create(systemKey, 'Hello', {
      code: 'function Hello(req, resp) { resp.success("hi " + req.params.who); }',
    });
    await onB;
    const dev = await a.platform.identity.loginDeveloper('admin@test.local', 'admin-pass-1');
    const res = await fetch(`${b.url}/api/v/1/code/${systemKey}/Hello`, {
      method: 'POST',
      headers: { 'ClearBlade-DevToken': dev.token, 'Content-Type': 'application/json' },
      body: JSON.stringify({ who: 'b' }),
    });
    expect(res.status).to.equal(200);
    expect(((await res.json()) as { results: unknown }).results).to.equal('hi b');
  });

  it('lists on B a trigger created on A, and forgets it on B once deleted on A', async () => {
    const dev = await a.platform.identity.developerByEmail('admin@test.local');
    let onB = reloadedOn(b, systemKey);
    await createPublishTrigger(
      a,
      systemKey,
      { name: 'OnPublish', topic: 'alerts/#', service: 'Hello' },
      dev?.id ?? '',
    );
    await onB;
    expect(b.platform.automation.triggers.list(systemKey).map((t) => t.name)).to.deep.equal(['OnPublish']);
    onB = reloadedOn(b, systemKey);
    await a.platform.automation.triggers.delete(systemKey, 'OnPublish');
    await onB;
    expect(b.platform.automation.triggers.list(systemKey)).to.deep.equal([]);
  });

  it('catches up a change whose announcement was lost within one heartbeat', async () => {
    // A change written straight to the database with only its counter moved: no announcement at all.
    const raw = new Redis(cluster.redis.url);
    try {
      const onB = reloadedOn(b, systemKey, 3 * HEARTBEAT_S * 1000 + 2000);
      await a.platform.store.db
        .updateTable('systems')
        .set({ description: 'changed quietly' })
        .where('system_key', '=', systemKey)
        .execute();
      await raw.incr(`isobar:ver:${systemKey}`);
      await onB;
      expect(b.platform.identity.system(systemKey)?.description).to.equal('changed quietly');
    } finally {
      raw.disconnect();
    }
  });

  it('reports the node, Redis and PostgreSQL on /healthz', async () => {
    const res = await fetch(`${a.url}/healthz`);
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({ status: 'ok', node: 'a', redis: 'ok', postgres: 'ok' });
  });

  it('drops a closed node from the list of the others', async () => {
    const left = Promise.all([nodeCount(a, 2), nodeCount(b, 2)]);
    await c.close({ removeData: true });
    expect(await left).to.deep.equal([
      ['a', 'b'],
      ['a', 'b'],
    ]);
  });
});
