// Message history end to end: MQTT publishes captured by the running platform, read back over REST and
// from a code service through ClearBlade.Messaging().
import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
import type { HistoryRecord } from '../../../services/history/query.js';
import { codeWorld, type CodeWorld } from '../code/world.js';

describe('history end to end', () => {
  let w: CodeWorld;
  let client: MqttClient | undefined;

  beforeEach(async () => {
    w = await codeWorld();
    await w.grant({
      topics: [{ itemInfo: { name: '#' }, permissions: 3 }],
      allservices: { permissions: 1 },
      msgHistory: { permissions: 1 },
    });
  });
  afterEach(async () => {
    if (client !== undefined) await client.endAsync();
    client = undefined;
    await w.close();
  });

  const connect = (): Promise<MqttClient> => {
    return mqtt.connectAsync(`mqtt://127.0.0.1:${String(w.tp.ports.mqtt)}`, {
      username: w.userToken,
      password: w.systemKey,
      reconnectPeriod: 0,
    });
  };

  it('captures MQTT publishes (text and binary, QoS 0 and 1) with publisher and address', async () => {
    client = await connect();
    await client.publishAsync('sensors/1/temp', '21.5', { qos: 1 });
    await client.publishAsync('sensors/1/raw', Buffer.from([0, 255, 1]), { qos: 1 });
    await client.publishAsync('sensors/1/temp', '22.0', { qos: 0 });
    await client.publishAsync('sensors/1/temp', '22.5', { qos: 1 }); // QoS 1 after QoS 0: both accepted
    const r = await w.http('GET', `/api/v/1/message/${w.systemKey}?topic=sensors/1/temp&count=10`, {
      token: w.userToken,
      header: 'ClearBlade-UserToken',
    });
    const records = r.body as unknown as HistoryRecord[];
    expect(records.map((m) => [m.payload, m.qos])).to.deep.equal([
      ['22.5', 1],
      ['22.0', 0],
      ['21.5', 1],
    ]);
    expect(records[0].userid).to.equal(w.userId);
    expect(records[0].ip).to.match(/127\.0\.0\.1$/);
    const raw = await w.http('GET', `/api/v/1/message/${w.systemKey}?topic=sensors/1/raw`, {
      token: w.userToken,
      header: 'ClearBlade-UserToken',
    });
    expect((raw.body as unknown as HistoryRecord[])[0].payload_base64).to.equal(
      Buffer.from([0, 255, 1]).toString('base64'),
    );
  });

  it('serves getMessageHistory and getCurrentTopics to a code service', async () => {
    client = await connect();
    await client.publishAsync('alerts/7', 'hot', { qos: 1 });
    await w.http('POST', `/admin/code/v/1/${w.systemKey}/ReadHistory`, {
      token: w.devToken,
      body: {
        code: `function ReadHistory(req, resp) {
          ClearBlade.init({ request: req });
          var m = ClearBlade.Messaging();
          m.getMessageHistory("alerts/7", 0, 10, function (err, data) {
            if (err) resp.error(data);
            m.getCurrentTopics(function (err2, topics) {
              resp.success({ payloads: data.map(function (d) { return d.payload; }), topics: topics });
            });
          });
        }`,
      },
    });
    const r = await w.http('POST', `/api/v/1/code/${w.systemKey}/ReadHistory`, {
      token: w.userToken,
      header: 'ClearBlade-UserToken',
      body: {},
    });
    expect(r.body).to.deep.equal({ success: true, results: { payloads: ['hot'], topics: ['alerts/7'] } });
  });
});
