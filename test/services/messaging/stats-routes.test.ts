// Messaging statistics (JS SDK MessagingStats, reference Appendix A): `/api/v/3/message/{sk}/connections`,
// `/subscribers/{topic}` (services/messaging/stats-routes.ts) and `/averagePayload` (services/history/
// routes.ts), with a real MQTT client and stored messages; all need msgHistory read.
import { expect } from 'chai';
import mqtt from 'mqtt';
import type { BrokerMessage } from '../../../broker/types.js';
import { newUser, createRole, changeUser, useSystemWorld, type Headers } from '../identity/helpers.js';

describe('messaging stats REST', () => {
  const w = useSystemWorld();
  let reader: { token: string; headers: Headers };
  let nobody: Headers;
  let client: mqtt.MqttClient | undefined;
  before(async () => {
    await createRole(w, {
      name: 'Readers',
      msgHistory: { permissions: 1 },
      topics: [{ itemInfo: { name: '#' }, permissions: 3 }],
    });
    const user = await newUser(w.a, w.sys, 'reader@test.local');
    await changeUser(w, user.userId, { roles: { add: ['Readers'] } });
    reader = user;
    nobody = (await newUser(w.a, w.sys, 'nobody@test.local')).headers;
  });
  afterEach(async () => {
    await client?.endAsync(true);
    client = undefined;
  });

  const base = () => `/api/v/3/message/${w.sys.systemKey}`;

  it('counts connections and the clients subscribed to a topic (filters with wildcards match)', async () => {
    const before = await w.a.ok('GET', `${base()}/connections`, { headers: reader.headers });
    expect(before).to.deep.equal({ connections: 0 });
    client = await mqtt.connectAsync(`mqtt://127.0.0.1:${String(w.tp.ports.mqtt)}`, {
      username: reader.token,
      password: w.sys.systemKey,
      reconnectPeriod: 0,
    });
    await client.subscribeAsync('plant/+/temp');
    expect(await w.a.ok('GET', `${base()}/connections`, { headers: reader.headers })).to.deep.equal({
      connections: 1,
    });
    expect(
      await w.a.ok('GET', `${base()}/subscribers/plant/7/temp`, { headers: reader.headers }),
    ).to.deep.equal({
      subscribers: 1,
    });
    expect(
      await w.a.ok('GET', `${base()}/subscribers/plant/7/hum`, { headers: reader.headers }),
    ).to.deep.equal({
      subscribers: 0,
    });
  });

  it('averages the payload size of the stored messages of a topic in a window', async () => {
    const capture = (payload: string, time: number) => {
      const m: BrokerMessage = {
        systemKey: w.sys.systemKey,
        topic: 'plant/1/temp',
        payload: Buffer.from(payload),
        qos: 0,
        retain: false,
        publisher: { kind: 'device', id: 'd', name: 'd', systemKey: w.sys.systemKey },
        address: '192.0.2.1',
        hop: 0,
        time,
      };
      w.tp.platform.history.capture.capture(m);
    };
    capture('12', 1_764_000_000_000);
    capture('1234', 1_764_000_010_000);
    capture('123456789012', 1_764_000_100_000);
    const all = await w.a.ok('GET', `${base()}/averagePayload?topic=plant/1/temp&start=-1&stop=-1`, {
      headers: reader.headers,
    });
    expect(all).to.deep.equal({ payloadsize: 6 });
    const early = await w.a.ok(
      'GET',
      `${base()}/averagePayload?topic=plant/1/temp&start=1764000000&stop=1764000050`,
      {
        headers: reader.headers,
      },
    );
    expect(early).to.deep.equal({ payloadsize: 3 });
    const none = await w.a.ok('GET', `${base()}/averagePayload?topic=nothing/here`, {
      headers: reader.headers,
    });
    expect(none).to.deep.equal({ payloadsize: 0 });
    await w.a.fails('GET', `${base()}/averagePayload`, 400, 'CB_ERR_HTTP_BAD_REQUEST', {
      headers: reader.headers,
    });
  });

  it('refuses all three without msgHistory read (403 CB_ERR_HISTORY_FORBIDDEN)', async () => {
    for (const path of ['/connections', '/subscribers/a/b', '/averagePayload?topic=a']) {
      await w.a.fails('GET', `${base()}${path}`, 403, 'CB_ERR_HISTORY_FORBIDDEN', { headers: nobody });
    }
    await w.a.fails('GET', `${base()}/connections`, 401, 'CB_ERR_AUTH_MISSING_TOKEN');
  });

  it('lists the stats routes in the OpenAPI document with error responses', async () => {
    const doc = await w.a.ok<{
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    }>('GET', '/openapi.json');
    const paths = Object.keys(doc.paths).filter((p) => p.startsWith('/api/v/3/message/'));
    expect(paths).to.have.length(3);
    for (const p of paths) expect(doc.paths[p]?.get?.responses, p).to.include.keys('200', '4XX');
  });
});
