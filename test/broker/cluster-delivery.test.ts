// Cluster mode (issue 16): two brokers in one process on one redis-server. A publish on one node reaches
// subscribers on the other at QoS 0/1/2 (no QoS 2 duplicate), retained messages are shared, a persistent
// session resumes on the other node with every acknowledged QoS 1 message, hasSubscribers answers for the
// whole cluster, and MQTT filters with Redis glob characters still match exactly.
import { expect } from 'chai';
import type { MqttClient } from 'mqtt';
import type { QoS } from 'mqtt-packet';
import { collect, SYS_A } from './helpers.js';
import { startClusterBroker } from './cluster-helpers.js';
import { useBrokerCluster } from './cluster-fixture.js';

/** One publish: topic, payload, QoS. */
type Publish = readonly [topic: string, payload: string, qos: QoS];

/**
 * Publishes `messages` in order from `publisher`, the last one carrying the payload `marker`, and answers
 * everything `client` got up to and including that marker.
 */
async function untilMarker(
  client: MqttClient,
  publisher: MqttClient,
  messages: readonly Publish[],
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
    const publishAll = async () => {
      for (const [topic, payload, qos] of messages) await publisher.publishAsync(topic, payload, { qos });
    };
    publishAll().catch(reject);
  });
}

describe('broker cluster: delivery, retained, sessions across nodes', function () {
  this.timeout(30_000);
  const cluster = useBrokerCluster({ a: 'node-a', b: 'node-b' });

  it('a publish on A reaches a subscriber on B at QoS 0, 1 and 2, once each', async () => {
    const sub = await cluster.b.connect({ clientId: 'sub-q' });
    await sub.subscribeAsync('q/#', { qos: 2 });
    const pub = await cluster.a.connect({ clientId: 'pub-q' });
    const sent: Publish[] = [
      ['q/0', 'zero', 0],
      ['q/1', 'one', 1],
      ['q/2', 'two', 2],
      ['q/m', 'marker', 1],
    ];
    const got = await untilMarker(sub, pub, sent);
    expect(got.map((m) => [m.topic, m.payload, m.qos])).to.deep.equal(sent);
  });

  it('internal publish and internal subscribers work across nodes', async () => {
    const got = new Promise<string>((resolve) => {
      void cluster.b.broker.subscribe(SYS_A, 'svc/+', (m) => resolve(`${m.topic}=${m.payload.toString()}`));
    });
    // the internal subscription is on Redis once subscribe() resolved
    await cluster.b.broker.subscribe(SYS_A, 'svc/ready', () => {});
    await cluster.a.broker.publish(SYS_A, 'svc/x', 'hello', { qos: 1 });
    expect(await got).to.equal('svc/x=hello');
  });

  it('retained set on A is seen from B; cleared on B, nothing retained is seen from A', async () => {
    const pub = await cluster.a.connect({ clientId: 'pub-r' });
    await pub.publishAsync('r/1', 'kept', { qos: 1, retain: true });
    const sub = await cluster.b.connect({ clientId: 'sub-r' });
    const [first] = await Promise.all([collect(sub, 1), sub.subscribeAsync('r/#', { qos: 1 })]);
    expect(first[0]).to.include({ topic: 'r/1', payload: 'kept', retain: true });

    const clearer = await cluster.b.connect({ clientId: 'clear-r' });
    await clearer.publishAsync('r/1', '', { qos: 1, retain: true });
    const late = await cluster.a.connect({ clientId: 'late-r' });
    await late.subscribeAsync('r/#', { qos: 1 });
    const got = await untilMarker(late, clearer, [['r/m', 'marker', 1]]);
    expect(got.map((m) => m.payload)).to.deep.equal(['marker']);
  });

  it('filters with Redis glob characters match exactly across nodes', async () => {
    const sub = await cluster.b.connect({ clientId: 'sub-g' });
    await sub.subscribeAsync('g/[x]/+', { qos: 1 });
    await sub.subscribeAsync('g/m', { qos: 1 });
    const pub = await cluster.a.connect({ clientId: 'pub-g' });
    const got = await untilMarker(sub, pub, [
      ['g/[x]/1', 'bracket', 1],
      ['g/x/1', 'not-matching', 1],
      ['g/m', 'marker', 1],
    ]);
    expect(got.map((m) => m.payload)).to.deep.equal(['bracket', 'marker']);
  });

  it('hasSubscribers sees the subscriptions of another node', async () => {
    const sub = await cluster.b.connect({ clientId: 'sub-h' });
    await sub.subscribeAsync('h/+/events', { qos: 0 });
    await cluster.b.broker.subscribe(SYS_A, 'svc-h/#', () => {});
    // a node that starts later loads the others' filters before it is ready
    const c = await startClusterBroker(cluster.redis.url, 'node-c', cluster.auth, { systemKey: SYS_A });
    try {
      expect(c.broker.hasSubscribers(SYS_A, 'h/1/events')).to.equal(true);
      expect(c.broker.hasSubscribers(SYS_A, 'svc-h/deep/topic')).to.equal(true);
    } finally {
      await c.close();
    }
  });

  it('a persistent session resumes on B with every acknowledged QoS 1 message after A closes', async () => {
    const c = await startClusterBroker(cluster.redis.url, 'node-c2', cluster.auth, { systemKey: SYS_A });
    const first = await c.connect({ clientId: 'persist-1', clean: false });
    await first.subscribeAsync('p/#', { qos: 1 });
    const gone = new Promise<void>((resolve) => first.once('close', () => resolve()));
    await c.close();
    await gone;
    const pub = await cluster.a.connect({ clientId: 'pub-p' });
    // aedes 1.2 writes a QoS 1 PUBACK before it enqueues the message (docs/cluster.md "What is at most
    // once"): the session resumes once A enqueued all 50 (its `published` event follows the enqueue)
    const enqueued = new Promise<void>((resolve) => {
      let count = 0;
      const off = cluster.a.broker.on('published', (message) => {
        if (!message.topic.startsWith('p/') || ++count < 50) return;
        off();
        resolve();
      });
    });
    const sent: string[] = [];
    for (let i = 0; i < 50; i++) {
      await pub.publishAsync(`p/${String(i)}`, `m${String(i)}`, { qos: 1 }); // resolves on PUBACK
      sent.push(`m${String(i)}`);
    }
    await enqueued;
    const resumed = cluster.b.client({ clientId: 'persist-1', clean: false });
    const got = await collect(resumed, 50);
    expect(got.map((m) => m.payload)).to.deep.equal(sent);
  });
});
