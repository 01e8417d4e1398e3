import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import {
  SYS_A,
  collect,
  createFakeAuth,
  endClients,
  removeDir,
  startBroker,
  type TestBroker,
  clientEvent,
} from './helpers.js';
import { startFixtureProcess } from './fixture-process.js';

describe('broker/persistence: QoS, retained, wills and sessions across a restart', function () {
  this.timeout(20000);
  let b: TestBroker;
  const auth = createFakeAuth();
  auth.add('tok', { kind: 'user', id: 'u1', name: 'u@x', systemKey: SYS_A });
  beforeEach(async () => {
    b = await startBroker({ tcpOnly: true, auth });
  });
  afterEach(async () => {
    await endClients();
    await b.close();
    removeDir(b.dataDir);
  });

  const restart = async () => {
    await endClients();
    await b.close();
    b = await startBroker({ tcpOnly: true, auth, dataDir: b.dataDir });
  };

  it('delivers QoS 1 and 2 messages queued for a persistent session after a restart', async () => {
    const sub = await b.connect('tok', SYS_A, { clientId: 'persistent-1', clean: false });
    await sub.subscribeAsync('q/#', { qos: 2 });
    await sub.endAsync();
    const pub = await b.connect('tok', SYS_A);
    await pub.publishAsync('q/1', 'one', { qos: 1 });
    await pub.publishAsync('q/2', 'two', { qos: 2 });
    await pub.publishAsync('q/0', 'zero', { qos: 0 });
    await restart();
    const again = mqtt.connect(`mqtt://127.0.0.1:${String(b.ports.mqtt)}`, {
      username: 'tok',
      password: SYS_A,
      clientId: 'persistent-1',
      clean: false,
      reconnectPeriod: 0,
    });
    const got = collect(again, 2);
    const [connack] = (await clientEvent(again, 'connect')) as [{ sessionPresent: boolean }];
    expect(connack.sessionPresent).to.equal(true);
    const messages = (await got).map((m) => [m.topic, m.payload, m.qos]);
    expect(messages).to.have.deep.members([
      ['q/1', 'one', 1],
      ['q/2', 'two', 2],
    ]);
    await again.endAsync();
  });

  it('keeps retained messages across a restart and sends them with the retain flag', async () => {
    const pub = await b.connect('tok', SYS_A);
    await pub.publishAsync('state/lamp', 'on', { qos: 1, retain: true });
    await restart();
    const sub = await b.connect('tok', SYS_A);
    const got = collect(sub, 1);
    await sub.subscribeAsync('state/#');
    expect(await got).to.deep.equal([{ topic: 'state/lamp', payload: 'on', qos: 0, retain: true }]);
  });

  it('publishes the will of a client that vanishes without DISCONNECT, and not after a DISCONNECT', async () => {
    const watcher = await b.connect('tok', SYS_A);
    await watcher.subscribeAsync('wills/#', { qos: 1 });
    const polite = await b.connect('tok', SYS_A, {
      will: { topic: 'wills/polite', payload: Buffer.from('x'), qos: 1, retain: false },
    });
    await polite.endAsync();
    const rude = await b.connect('tok', SYS_A, {
      will: { topic: 'wills/rude', payload: Buffer.from('bye'), qos: 1, retain: false },
    });
    const got = collect(watcher, 1);
    rude.stream.destroy();
    expect(await got).to.deep.equal([{ topic: 'wills/rude', payload: 'bye', qos: 1, retain: false }]);
  });

  it('delivers overlapping subscriptions once, at the highest granted QoS [MQTT-3.3.5-1]', async () => {
    const sub = await b.connect('tok', SYS_A);
    await sub.subscribeAsync('a/#', { qos: 0 });
    await sub.subscribeAsync('a/b', { qos: 2 });
    await sub.subscribeAsync('+/b', { qos: 1 });
    const got = collect(sub, 2);
    await b.broker.publish(SYS_A, 'a/b', 'max', { qos: 2 });
    await b.broker.publish(SYS_A, 'a/c', 'only-zero', { qos: 2 });
    // mqtt.js emits a QoS 2 message at PUBREL, so the QoS 0 one may overtake it: compare without order
    const seen = (await got)
      .map((m) => [m.payload, m.qos])
      .sort((x, y) => String(x[0]).localeCompare(String(y[0])));
    expect(seen).to.deep.equal([
      ['max', 2],
      ['only-zero', 0],
    ]);
  });

  it('downgrades a message to the QoS granted to the subscription', async () => {
    const sub = await b.connect('tok', SYS_A);
    await sub.subscribeAsync('d/#', { qos: 1 });
    const got = collect(sub, 1);
    const pub = await b.connect('tok', SYS_A);
    await pub.publishAsync('d/x', 'two', { qos: 2 });
    expect((await got)[0].qos).to.equal(1);
  });
});

describe('broker/persistence: after a crash', function () {
  this.timeout(30000);

  it('publishes the wills of clients connected when the process died, on the next start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'isobar-crash-'));
    const crashing = await startFixtureProcess('broker-process', [dataDir]);
    const client = mqtt.connect(`mqtt://127.0.0.1:${String(crashing.port)}`, {
      username: 'tok',
      password: SYS_A,
      reconnectPeriod: 0,
      will: { topic: 'status/dev-1', payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    await clientEvent(client, 'connect');
    await crashing.crash();
    await client.endAsync(true);
    const auth = createFakeAuth();
    auth.add('tok', { kind: 'user', id: 'u1', name: 'u@x', systemKey: SYS_A });
    const b = await startBroker({ tcpOnly: true, auth, dataDir });
    try {
      const sub = await b.connect('tok', SYS_A);
      const got = collect(sub, 1);
      await sub.subscribeAsync('status/#');
      expect(await got).to.deep.equal([{ topic: 'status/dev-1', payload: 'offline', qos: 0, retain: true }]);
    } finally {
      await endClients();
      await b.close();
      removeDir(dataDir);
    }
  });
});
