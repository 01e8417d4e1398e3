// Cluster mode (issue 16): two brokers in one process on one redis-server. A publish on one node reaches
// subscribers on the other at QoS 0/1/2 (no QoS 2 duplicate), retained messages are shared, a persistent
// session resumes on the other node with every acknowledged QoS 1 message, hasSubscribers answers for the
// whole cluster, and MQTT filters with Redis glob characters still match exactly.
import { expect } from 'chai';
import type { MqttClient } from 'mqtt';
import { startRedis, type TestRedis } from '../helpers/servers.js';
import { collect, createFakeAuth, SYS_A, type FakeAuth } from './helpers.js';
import { DEV_TOKEN, endClusterClients, startClusterBroker, type ClusterBroker } from './cluster-helpers.js';

/** Everything `client` got up to and including a `marker` message on `topic` (published after the rest). */
async function untilMarker(
  client: MqttClient,
  publish: () => Promise<unknown>,
): Promise<Array<{ topic: string; payload: string; qos: number; retain: boolean }>> {
  const got: Array<{ topic: string; payload: string; qos: number; retain: boolean }> = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no marker; got ${JSON.stringify(got)}`)), 5000);
    client.on('message', (topic, payload, packet) => {
      got.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain });
      if (payload.toString() === 'marker') {
        clearTimeout(timer);
        resolve(got);
      }
    });
    publish().catch(reject);
  });
}

describe('broker cluster: delivery, retained, sessions across nodes', function () {
  this.timeout(30_000);
  let redis: TestRedis;
  let auth: FakeAuth;
  let a: ClusterBroker;
  let b: ClusterBroker;

  before(async () => {
    redis = await startRedis();
    auth = createFakeAuth();
    auth.add(DEV_TOKEN, { kind: 'developer', id: 'dev', name: 'dev@example.com', systemKey: SYS_A });
    a = await startClusterBroker(redis.url, 'node-a', auth, { systemKey: SYS_A });
    b = await startClusterBroker(redis.url, 'node-b', auth, { systemKey: SYS_A });
  });
  afterEach(() => endClusterClients());
  after(async () => {
    await a.close();
    await b.close();
    await redis.stop();
  });

  it('a publish on A reaches a subscriber on B at QoS 0, 1 and 2, once each', async () => {
    const sub = await b.connect({ clientId: 'sub-q' });
    await sub.subscribeAsync('q/#', { qos: 2 });
    const pub = await a.connect({ clientId: 'pub-q' });
    const got = await untilMarker(sub, async () => {
      await pub.publishAsync('q/0', 'zero', { qos: 0 });
      await pub.publishAsync('q/1', 'one', { qos: 1 });
      await pub.publishAsync('q/2', 'two', { qos: 2 });
      await pub.publishAsync('q/m', 'marker', { qos: 1 });
    });
    expect(got.map((m) => [m.topic, m.payload, m.qos])).to.deep.equal([
      ['q/0', 'zero', 0],
      ['q/1', 'one', 1],
      ['q/2', 'two', 2],
      ['q/m', 'marker', 1],
    ]);
  });

  it('internal publish and internal subscribers work across nodes', async () => {
    const got = new Promise<string>((resolve) => {
      void b.broker.subscribe(SYS_A, 'svc/+', (m) => resolve(`${m.topic}=${m.payload.toString()}`));
    });
    // the internal subscription is on Redis once subscribe() resolved
    await b.broker.subscribe(SYS_A, 'svc/ready', () => {});
    await a.broker.publish(SYS_A, 'svc/x', 'hello', { qos: 1 });
    expect(await got).to.equal('svc/x=hello');
  });

  it('retained set on A is seen from B; cleared on B, nothing retained is seen from A', async () => {
    const pub = await a.connect({ clientId: 'pub-r' });
    await pub.publishAsync('r/1', 'kept', { qos: 1, retain: true });
    const sub = await b.connect({ clientId: 'sub-r' });
    const [first] = await Promise.all([collect(sub, 1), sub.subscribeAsync('r/#', { qos: 1 })]);
    expect(first[0]).to.include({ topic: 'r/1', payload: 'kept', retain: true });

    const clearer = await b.connect({ clientId: 'clear-r' });
    await clearer.publishAsync('r/1', '', { qos: 1, retain: true });
    const late = await a.connect({ clientId: 'late-r' });
    await late.subscribeAsync('r/#', { qos: 1 });
    const got = await untilMarker(late, () => clearer.publishAsync('r/m', 'marker', { qos: 1 }));
    expect(got.map((m) => m.payload)).to.deep.equal(['marker']);
  });

  it('filters with Redis glob characters match exactly across nodes', async () => {
    const sub = await b.connect({ clientId: 'sub-g' });
    await sub.subscribeAsync('g/[x]/+', { qos: 1 });
    await sub.subscribeAsync('g/m', { qos: 1 });
    const pub = await a.connect({ clientId: 'pub-g' });
    const got = await untilMarker(sub, async () => {
      await pub.publishAsync('g/[x]/1', 'bracket', { qos: 1 });
      await pub.publishAsync('g/x/1', 'not-matching', { qos: 1 });
      await pub.publishAsync('g/m', 'marker', { qos: 1 });
    });
    expect(got.map((m) => m.payload)).to.deep.equal(['bracket', 'marker']);
  });

  it('hasSubscribers sees the subscriptions of another node', async () => {
    const sub = await b.connect({ clientId: 'sub-h' });
    await sub.subscribeAsync('h/+/events', { qos: 0 });
    await b.broker.subscribe(SYS_A, 'svc-h/#', () => {});
    // a node that starts later loads the others' filters before it is ready
    const c = await startClusterBroker(redis.url, 'node-c', auth, { systemKey: SYS_A });
    try {
      expect(c.broker.hasSubscribers(SYS_A, 'h/1/events')).to.equal(true);
      expect(c.broker.hasSubscribers(SYS_A, 'svc-h/deep/topic')).to.equal(true);
    } finally {
      await c.close();
    }
  });

  it('a persistent session resumes on B with every acknowledged QoS 1 message after A closes', async () => {
    const c = await startClusterBroker(redis.url, 'node-c2', auth, { systemKey: SYS_A });
    const first = await c.connect({ clientId: 'persist-1', clean: false });
    await first.subscribeAsync('p/#', { qos: 1 });
    const gone = new Promise<void>((resolve) => first.once('close', () => resolve()));
    await c.close();
    await gone;
    const pub = await a.connect({ clientId: 'pub-p' });
    const sent: string[] = [];
    for (let i = 0; i < 50; i++) {
      await pub.publishAsync(`p/${String(i)}`, `m${String(i)}`, { qos: 1 }); // resolves on PUBACK
      sent.push(`m${String(i)}`);
    }
    const resumed = b.client({ clientId: 'persist-1', clean: false });
    const got = await collect(resumed, 50);
    expect(got.map((m) => m.payload)).to.deep.equal(sent);
  });
});
