// Losing access ends access on live MQTT connections (DESIGN.md "Security model"), through the real platform: REST
// identity changes, real tokens, real sockets (TCP and WebSocket), a manual clock for token expiry.
import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
import { createManualClock } from '../../../services/kernel/clock.js';
import { clientEvent, collect, leakedAfterDrop, nothingBefore } from '../../broker/helpers.js';
import {
  changeRole,
  changeUser,
  createRole,
  newSystem,
  newUser,
  useSystemWorld,
} from '../identity/helpers.js';

describe('services/messaging: losing access ends access on live connections', function () {
  this.timeout(20000);
  const clock = createManualClock();
  const w = useSystemWorld('suite', { clock });
  let n = 0;
  const clients: MqttClient[] = [];

  before(async () => {
    await w.a.ok('PUT', '/admin/systemmanagement', {
      headers: w.dev.headers,
      body: { id: w.sys.systemKey, token_ttl: 120 },
    });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  });

  const connect = async (token: string, systemKey = w.sys.systemKey, ws = false): Promise<MqttClient> => {
    const url = ws
      ? `ws://127.0.0.1:${String(w.tp.ports.ws)}/mqtt`
      : `mqtt://127.0.0.1:${String(w.tp.ports.mqtt)}`;
    const client = mqtt.connect(url, { username: token, password: systemKey, reconnectPeriod: 0 });
    clients.push(client);
    await clientEvent(client, 'connect');
    return client;
  };

  /** A user holding a fresh role on `sensors/#` and `ping/#` (publish and subscribe). */
  const userWithRole = async () => {
    n++;
    const user = await newUser(w.a, w.sys, `live${String(n)}@example.test`);
    const roleId = await createRole(w, {
      name: `Live${String(n)}`,
      topics: [
        { itemInfo: { name: 'sensors/#' }, permissions: 3 },
        { itemInfo: { name: 'ping/#' }, permissions: 3 },
      ],
    });
    await changeUser(w, user.userId, { roles: { add: [roleId] } });
    return { ...user, roleId };
  };

  /**
   * After a role change: `client`'s `sensors/#` subscription delivers nothing more (the `ping/1` marker
   * still arrives), while the developer witness receives the same `sensors/1` message.
   */
  const sensorsNoLongerDelivered = async (client: MqttClient, witness: MqttClient) => {
    const seen = collect(witness, 1);
    const leaked = await leakedAfterDrop(client, witness);
    expect(leaked).to.deep.equal([]);
    expect((await seen).map((m) => [m.topic, m.payload])).to.deep.equal([['sensors/1', 'after']]);
    expect(client.connected).to.equal(true);
  };

  it('closes the TCP and the WebSocket connection of a token on logout', async () => {
    const user = await newUser(w.a, w.sys, 'logout@example.test');
    const tcp = await connect(user.token);
    const ws = await connect(user.token, w.sys.systemKey, true);
    const closed = Promise.all([clientEvent(tcp, 'close'), clientEvent(ws, 'close')]);
    await w.a.ok('POST', '/api/v/1/user/logout', { headers: user.headers });
    await closed;
  });

  it("closes a deleted user's connection", async () => {
    const user = await newUser(w.a, w.sys, 'deleted@example.test');
    const client = await connect(user.token);
    const closed = clientEvent(client, 'close');
    await w.a.ok('DELETE', `/admin/user/${w.sys.systemKey}?user=${user.userId}`, { headers: w.dev.headers });
    await closed;
  });

  it('closes a connection when its token expires (manual clock advanced past token_ttl)', async () => {
    const user = await userWithRole();
    const client = await connect(user.token, w.sys.systemKey, true);
    clock.advance(119_000);
    expect((await client.subscribeAsync('sensors/#')).map((g) => g.qos)).to.deep.equal([0]);
    const closed = clientEvent(client, 'close');
    clock.advance(1_000);
    await closed;
    await w.a.fails('GET', '/api/v/1/user/info', 401, 'CB_ERR_AUTH_EXPIRED_TOKEN', { headers: user.headers });
  });

  it('closes a device connection when the device is disabled, and when its key changes', async () => {
    const device = async (name: string) => {
      await w.a.ok('POST', `/admin/devices/${w.sys.systemKey}/${name}`, {
        headers: w.dev.headers,
        body: { active_key: `${name}-key`, allow_key_auth: true, enabled: true },
      });
      const auth = await w.a.ok<{ deviceToken: string }>('POST', `/api/v/2/devices/${w.sys.systemKey}/auth`, {
        body: { deviceName: name, activeKey: `${name}-key` },
      });
      return connect(auth.deviceToken);
    };
    const disabled = await device('pump-off');
    const rekeyed = await device('pump-rekey');
    const closed = Promise.all([clientEvent(disabled, 'close'), clientEvent(rekeyed, 'close')]);
    await w.a.ok('PUT', `/admin/devices/${w.sys.systemKey}/pump-off`, {
      headers: w.dev.headers,
      body: { enabled: false },
    });
    await w.a.ok('PUT', `/admin/devices/${w.sys.systemKey}/pump-rekey`, {
      headers: w.dev.headers,
      body: { active_key: 'another-key' },
    });
    await closed;
  });

  it("closes the developer's connection to a system when the system is deleted", async () => {
    const doomed = await newSystem(w.a, w.dev, 'Doomed');
    const inDoomed = await connect(w.dev.token, doomed.systemKey);
    const inKept = await connect(w.dev.token, w.sys.systemKey);
    const closed = clientEvent(inDoomed, 'close');
    await w.a.ok('DELETE', `/admin/systemmanagement?id=${doomed.systemKey}`, { headers: w.dev.headers });
    await closed;
    expect(await inKept.subscribeAsync('still/here')).to.have.length(1);
  });

  it('drops a subscription once its topic is removed from the role; later publishes are refused', async () => {
    const user = await userWithRole();
    const witness = await connect(w.dev.token);
    await witness.subscribeAsync('sensors/#', { qos: 1 });
    const client = await connect(user.token, w.sys.systemKey, true);
    await client.subscribeAsync(['sensors/#', 'ping/#'], { qos: 1 });
    const first = collect(client, 1);
    await witness.publishAsync('sensors/1', 'before', { qos: 1 });
    expect((await first).map((m) => m.payload)).to.deep.equal(['before']);

    await changeRole(w, user.roleId, { topics: [{ itemInfo: { name: 'sensors/#' }, permissions: 0 }] });
    await sensorsNoLongerDelivered(client, witness);

    // the user's own PUBLISH under the lost permission goes nowhere
    await witness.subscribeAsync('ping/#');
    const refused = await nothingBefore(
      witness,
      async () => {
        await client.publishAsync('sensors/2', 'refused', { qos: 1 });
        await client.publishAsync('ping/2', 'marker', { qos: 1 });
      },
      'ping/2',
    );
    expect(refused).to.deep.equal([]);
  });

  it('drops subscriptions when the role is taken from the user, and when the role is deleted', async () => {
    const taken = await userWithRole();
    const deleted = await userWithRole();
    // ping/# stays allowed through Authenticated, so the marker still reaches them
    await changeRole(w, 'Authenticated', { topics: [{ itemInfo: { name: 'ping/#' }, permissions: 1 }] });
    const witness = await connect(w.dev.token);
    await witness.subscribeAsync('sensors/#', { qos: 1 });
    const takenClient = await connect(taken.token);
    const deletedClient = await connect(deleted.token);
    await takenClient.subscribeAsync(['sensors/#', 'ping/#'], { qos: 1 });
    await deletedClient.subscribeAsync(['sensors/#', 'ping/#'], { qos: 1 });

    await changeUser(w, taken.userId, { roles: { delete: [taken.roleId] } });
    await sensorsNoLongerDelivered(takenClient, witness);

    await w.a.ok('DELETE', `/admin/user/${w.sys.systemKey}/roles?role=${deleted.roleId}`, {
      headers: w.dev.headers,
    });
    await sensorsNoLongerDelivered(deletedClient, witness);
  });

  it("drops a running stream service's subscription once its run_user loses the topic", async () => {
    const user = await userWithRole();
    await changeRole(w, user.roleId, { topics: [{ itemInfo: { name: 'out/#' }, permissions: 2 }] });
    const witness = await connect(w.dev.token);
    await witness.subscribeAsync('out/#', { qos: 1 });
    const ready = collect(witness, 1);
    await w.a.ok('POST', `/admin/code/v/1/${w.sys.systemKey}/Watch`, {
      headers: w.dev.headers,
      body: { code: WATCH, execution_timeout: -1, run_user: user.userId },
    });
    expect((await ready).map((m) => m.topic)).to.deep.equal(['out/ready']);
    const relayed = collect(witness, 1);
    await witness.publishAsync('sensors/1', 'before', { qos: 1 });
    expect((await relayed).map((m) => [m.topic, m.payload])).to.deep.equal([['out/sensors/1', 'before']]);

    await changeRole(w, user.roleId, { topics: [{ itemInfo: { name: 'sensors/#' }, permissions: 0 }] });
    // the stream relays in arrival order: had sensors/2 reached it, out/sensors/2 would come first
    const next = collect(witness, 1);
    await witness.publishAsync('sensors/2', 'after', { qos: 1 });
    await witness.publishAsync('ping/2', 'marker', { qos: 1 });
    expect((await next).map((m) => [m.topic, m.payload])).to.deep.equal([['out/ping/2', 'marker']]);
  });
});

/** A stream service relaying `sensors/#` and `ping/#` to `out/<topic>`, announcing `out/ready` once subscribed. */
const WATCH = `function Watch(req, resp) {
  var m = ClearBlade.Messaging();
  m.subscribe("sensors/#", function () {});
  m.subscribe("ping/#", function () {
    m.publish("out/ready", "1");
  });
  while (true) {
    m.waitForMessage(["sensors/#", "ping/#"], function (err, msg, topic) {
      if (!err) m.publish("out/" + topic, msg);
    });
  }
}`;
