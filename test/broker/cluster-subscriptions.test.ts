// Persistent subscriptions are queued for on every node without waiting for aedes-persistence-redis'
// `$SYS/sub/add` broadcast (Redis pub/sub: it may arrive after a publish on another node, or never): each
// node reads the subscription log before it enqueues (cluster-subscriptions.ts). Here the subscription is
// stored and logged as another node would, with no broadcast at all, so only the log can tell node A.
// The internal publish resolves once aedes has enqueued and emitted it, before the session resumes on B:
// the message can only come from the session's Redis queue.
import { expect } from 'chai';
import { logSubscriptionChange, SUB_LOG_KEY } from '../../broker/cluster-subscriptions.js';
import { MQTT_KEY_PREFIX } from '../../broker/persistence.js';
import { toInternal } from '../../broker/tenancy.js';
import { collect, SYS_A } from './helpers.js';
import { useBrokerCluster } from './cluster-fixture.js';

describe('broker cluster: persistent subscriptions known to every node before SUBACK', function () {
  this.timeout(30_000);
  const cluster = useBrokerCluster({ a: 'node-a', b: 'node-b' });

  /** The id aedes and its persistence know the client `clientId` of SYS_A by. */
  const aedesId = (clientId: string) => `${SYS_A}:${clientId}`;
  const hashKey = (clientId: string) => `${MQTT_KEY_PREFIX}client:${encodeURIComponent(aedesId(clientId))}`;

  /** Stores `filter` at QoS 1 for `clientId` the way another node's SUBSCRIBE does, and logs it, unbroadcast. */
  async function subscribeElsewhere(clientId: string, filter: string): Promise<void> {
    // aedes-persistence-redis also reads a bare QoS digit as a stored subscription
    await cluster.admin.hset(hashKey(clientId), toInternal(SYS_A, filter), '1');
    await cluster.admin.sadd(`${MQTT_KEY_PREFIX}clients`, aedesId(clientId));
    await logSubscriptionChange(cluster.admin, aedesId(clientId));
  }

  const cases: ReadonlyArray<{ readonly name: string; readonly before?: () => Promise<unknown> }> = [
    { name: 'the log as it is' },
    // Redis restarted without it: the next entry begins a new epoch, so node A re-reads every client
    { name: 'a log Redis lost', before: () => cluster.admin.del(SUB_LOG_KEY) },
  ];
  for (const { name, before } of cases) {
    it(`a subscription whose broadcast never came is queued for by another node (${name})`, async () => {
      const clientId = `unbroadcast-${name.replaceAll(' ', '-')}`;
      await before?.();
      await subscribeElsewhere(clientId, 'lost/#');
      await cluster.a.broker.publish(SYS_A, 'lost/1', 'queued', { qos: 1 });
      const resumed = cluster.b.client({ clientId, clean: false });
      const [got] = await collect(resumed, 1);
      expect(got).to.include({ topic: 'lost/1', payload: 'queued', qos: 1 });
    });
  }

  it('an unsubscribe logged by another node stops the queueing at once', async () => {
    const queue = `${MQTT_KEY_PREFIX}outgoing:${encodeURIComponent(aedesId('unsubscribed'))}`;
    await subscribeElsewhere('unsubscribed', 'gone/#');
    await cluster.a.broker.publish(SYS_A, 'gone/1', 'queued', { qos: 1 });
    expect(await cluster.admin.llen(queue)).to.equal(1);
    await cluster.admin.hdel(hashKey('unsubscribed'), toInternal(SYS_A, 'gone/#'));
    await cluster.admin.srem(`${MQTT_KEY_PREFIX}clients`, aedesId('unsubscribed'));
    await logSubscriptionChange(cluster.admin, aedesId('unsubscribed'));
    await cluster.a.broker.publish(SYS_A, 'gone/2', 'not queued', { qos: 1 });
    expect(await cluster.admin.llen(queue)).to.equal(1);
  });
});
