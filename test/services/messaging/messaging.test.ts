// End to end through the real platform: REST-created users, devices and roles, real tokens, MQTT over
// real sockets, REST publish, auth over MQTT.
import { expect } from 'chai';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { decodeAuthPayload } from '../../../broker/auth-over-mqtt.js';
import { newUser, createRole, changeUser, useSystemWorld } from '../identity/helpers.js';
import { clientEvent, collect, subackCodes } from '../../broker/helpers.js';

describe('services/messaging: the broker in the platform', function () {
  this.timeout(20000);
  const w = useSystemWorld();
  let user: { userId: string; token: string; headers: Record<string, string> };
  const clients: MqttClient[] = [];

  before(async () => {
    user = await newUser(w.a, w.sys, 'ann@example.test');
    const roleId = await createRole(w, {
      name: 'Sensors',
      topics: [{ itemInfo: { name: 'sensors/#' }, permissions: 3 }],
    });
    await changeUser(w, user.userId, { roles: { add: [roleId] } });
    await w.a.ok('POST', `/admin/devices/${w.sys.systemKey}/pump-1`, {
      headers: w.dev.headers,
      body: { active_key: 'device-key-1', allow_key_auth: true, enabled: true },
    });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  });

  const connect = async (username: string, password: string, opts: IClientOptions = {}) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${String(w.tp.ports.mqtt)}`, {
      username,
      password,
      reconnectPeriod: 0,
      ...opts,
    });
    clients.push(client);
    const result = await Promise.race([
      clientEvent(client, 'connect').then(() => 0),
      clientEvent(client, 'error').then(([err]) => (err as { code: number }).code),
    ]);
    return { client, code: result };
  };

  it('reports every MQTT port in the start result', () => {
    for (const key of ['mqtt', 'mqtts', 'ws', 'wss', 'auth', 'authTls', 'authWs', 'authWss'] as const) {
      expect(w.tp.ports[key]).to.be.a('number');
    }
  });

  it('accepts user, device and developer tokens; refuses bad tokens (5) and unknown systems (4)', async () => {
    expect((await connect(user.token, w.sys.systemKey)).code).to.equal(0);
    const device = await w.a.ok<{ deviceToken: string }>('POST', `/api/v/2/devices/${w.sys.systemKey}/auth`, {
      headers: w.sys.headers,
      body: { deviceName: 'pump-1', activeKey: 'device-key-1' },
    });
    expect((await connect(device.deviceToken, w.sys.systemKey)).code).to.equal(0);
    expect((await connect(w.dev.token, w.sys.systemKey)).code).to.equal(0);
    expect((await connect('not-a-token', w.sys.systemKey)).code).to.equal(5);
    expect((await connect(user.token, 'f'.repeat(30))).code).to.equal(4);
  });

  it('applies role topic permissions: allowed filters granted, others SUBACK 0x80', async () => {
    const { client } = await connect(user.token, w.sys.systemKey);
    expect(await subackCodes(client, ['sensors/+/temp', '#', 'other/x'])).to.deep.equal([0, 128, 128]);
  });

  it('publishes over REST with the caller ACL and delivers to MQTT subscribers', async () => {
    const { client } = await connect(w.dev.token, w.sys.systemKey);
    await client.subscribeAsync('#');
    const got = collect(client, 2);
    await w.a.ok('POST', `/api/v/1/message/${w.sys.systemKey}/publish`, {
      headers: user.headers,
      body: { topic: 'sensors/1/temp', payload: '21.5', qos: 1 },
    });
    await w.a.ok('POST', `/api/v/1/message/${w.sys.systemKey}/publish`, {
      headers: w.dev.headers,
      body: { topic: 'anything', body: { on: true } },
    });
    expect((await got).map((m) => [m.topic, m.payload])).to.deep.equal([
      ['sensors/1/temp', '21.5'],
      ['anything', '{"on":true}'],
    ]);
    await w.a.fails(
      'POST',
      `/api/v/1/message/${w.sys.systemKey}/publish`,
      403,
      'CB_ERR_MQTT_PUBLISH_DENIED',
      {
        headers: user.headers,
        body: { topic: 'forbidden', payload: 'x' },
      },
    );
    await w.a.fails('POST', `/api/v/1/message/${w.sys.systemKey}/publish`, 401, 'CB_ERR_AUTH_MISSING_TOKEN', {
      body: { topic: 'sensors/1', payload: 'x' },
    });
  });

  it('logs a user in over MQTT and the token it answers connects to the broker', async () => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${String(w.tp.ports.auth)}`, {
      username: w.sys.systemKey,
      password: w.sys.systemSecret,
      clientId: 'ann@example.test:user-pass-1',
      reconnectPeriod: 0,
    });
    clients.push(client);
    await clientEvent(client, 'connect');
    const answer = new Promise<Buffer>((resolve) => client.once('message', (_t, p) => resolve(p)));
    await client.subscribeAsync('auth');
    const [token, id, url] = decodeAuthPayload(await answer);
    expect(id).to.equal(user.userId);
    expect(url).to.equal(`127.0.0.1:${String(w.tp.ports.mqtt)}`);
    expect((await connect(token, w.sys.systemKey)).code).to.equal(0);
  });

  it('answers CONNACK 5 over auth-over-MQTT for a wrong password', async () => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${String(w.tp.ports.auth)}`, {
      username: w.sys.systemKey,
      clientId: 'ann@example.test:wrong',
      reconnectPeriod: 0,
    });
    clients.push(client);
    const [err] = await clientEvent(client, 'error');
    expect((err as { code: number }).code).to.equal(5);
  });

  it('closes the connection of a token revoked by logout', async () => {
    const fresh = await w.a.ok<{ user_token: string }>('POST', '/api/v/1/user/auth', {
      headers: w.sys.headers,
      body: { email: 'ann@example.test', password: 'user-pass-1' },
    });
    const { client } = await connect(fresh.user_token, w.sys.systemKey);
    const closed = clientEvent(client, 'close');
    await w.a.ok('POST', '/api/v/1/user/logout', { headers: { 'ClearBlade-UserToken': fresh.user_token } });
    await closed;
  });
});
