import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
import type { IConnackPacket, ISubackPacket } from 'mqtt-packet';
import { decodeAuthPayload, encodeAuthPayload } from '../../broker/auth-over-mqtt.js';
import { IsobarError } from '../../runtime-api/errors/index.js';
import { SYS_A, startBroker, type TestBroker, clientEvent } from './helpers.js';
import { connectPacket, rawConnect } from './raw.js';

describe('broker/auth-over-mqtt', () => {
  let b: TestBroker;
  const clients: MqttClient[] = [];
  beforeEach(async () => {
    b = await startBroker({ tcpOnly: true });
    b.auth.users.set('a@x.test:pw', 'u1');
    b.auth.users.set('sensor-7:activekey', 'sensor-7');
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await b.close();
  });

  const login = async (clientId: string, password?: string) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${String(b.ports.auth)}`, {
      username: SYS_A,
      password,
      clientId,
      reconnectPeriod: 0,
    });
    clients.push(client);
    await clientEvent(client, 'connect');
    return client;
  };

  it('encodes token, id and messaging URL as u16 big-endian length-prefixed UTF-8 blocks', () => {
    const payload = encodeAuthPayload('tok', 'ü1', 'h:1883');
    expect([...payload.subarray(0, 5)]).to.deep.equal([0, 3, 0x74, 0x6f, 0x6b]);
    expect(payload.readUInt16BE(5)).to.equal(3);
    expect(decodeAuthPayload(payload)).to.deep.equal(['tok', 'ü1', 'h:1883']);
  });

  it('publishes the token once the client subscribes to <systemKey>/<email>, without a secret', async () => {
    const client = await login('a@x.test:pw');
    const got = new Promise<Buffer>((resolve) => client.once('message', (_t, p) => resolve(p)));
    await client.subscribeAsync(`${SYS_A}/a@x.test`);
    expect(decodeAuthPayload(await got).slice(0, 2)).to.deep.equal(['tok-u1', 'u1']);
  });

  it('logs in a device with deviceName:activeKey on the legacy v/1/auth topic', async () => {
    const client = await login('sensor-7:activekey', 'SECRETA');
    const got = new Promise<Buffer>((resolve) => client.once('message', (_t, p) => resolve(p)));
    await client.subscribeAsync('v/1/auth');
    expect(decodeAuthPayload(await got)[1]).to.equal('sensor-7');
  });

  it("refuses another client's auth topic and any other topic with SUBACK 0x80", async () => {
    const raw = await rawConnect(b.ports.auth ?? 0);
    raw.send(connectPacket({ token: SYS_A, clientId: 'a@x.test:pw' }));
    expect(((await raw.next()) as IConnackPacket).returnCode).to.equal(0);
    raw.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [
        { topic: `${SYS_A}/b@x.test`, qos: 0 },
        { topic: '#', qos: 0 },
      ],
    });
    expect(((await raw.next()) as ISubackPacket).granted).to.deep.equal([0x80, 0x80]);
    raw.end();
  });

  it('closes the connection on PUBLISH: nothing may be published there', async () => {
    const raw = await rawConnect(b.ports.auth ?? 0);
    raw.send(connectPacket({ token: SYS_A, clientId: 'a@x.test:pw' }));
    await raw.next();
    raw.send({ cmd: 'publish', topic: 'auth', payload: Buffer.from('x'), qos: 0, retain: false, dup: false });
    await raw.closed();
  });

  const code = async (packet: Parameters<typeof connectPacket>[0]) => {
    const raw = await rawConnect(b.ports.auth ?? 0);
    raw.send(connectPacket(packet));
    const reply = (await raw.next()) as IConnackPacket;
    await raw.closed();
    return reply.returnCode;
  };

  it('answers CONNACK 5 for a wrong password or device key', async () => {
    expect(await code({ token: SYS_A, clientId: 'a@x.test:wrong' })).to.equal(5);
  });

  it('hands the client address to login and answers CONNACK 3 when the login throttle refuses', async () => {
    const addresses: Array<string | undefined> = [];
    b.auth.login = (_systemKey, _secret, _clientId, address) => {
      addresses.push(address);
      return Promise.reject(new IsobarError('CB_ERR_AUTH_THROTTLED', { retryAfter: 30 }));
    };
    expect(await code({ token: SYS_A, clientId: 'a@x.test:pw' })).to.equal(3);
    expect(addresses).to.have.length(1);
    expect(addresses[0]).to.match(/127\.0\.0\.1$/);
  });

  it('answers CONNACK 4 for an unknown system, a wrong secret or a client id without ":"', async () => {
    expect(await code({ token: 'ffff', clientId: 'a@x.test:pw' })).to.equal(4);
    expect(await code({ token: SYS_A, systemKey: 'WRONG', clientId: 'a@x.test:pw' })).to.equal(4);
    expect(await code({ token: SYS_A, clientId: 'no-colon' })).to.equal(4);
  });
});
