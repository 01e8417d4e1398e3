// Duplicate client ids across two cluster nodes (issue 16): two CONNECTs with one id racing on two nodes
// leave exactly one session, 100 times out of 100, under `reject` (the loser gets CONNACK 2, the winner
// stays connected: aedes' own cross-node takeover does not undo it) and under `takeover` (the later SET on
// Redis wins; the other connection is closed). A cleanly closed id is free again on the other node.
import { expect } from 'chai';
import type { MqttClient } from 'mqtt';
import { Redis } from 'ioredis';
import { cidKey } from '../../broker/cluster-ids.js';
import { SYS_A, SYS_B } from './helpers.js';
import { outcome } from './cluster-helpers.js';
import { useBrokerCluster } from './cluster-fixture.js';

const ROUNDS = 100;
const B_TOKEN = 'dev-token-b';

/** Resolves when the client's connection closes (bounded). */
function closed(client: MqttClient, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('connection not closed')), timeoutMs);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('broker cluster: one owner per client id across nodes', function () {
  this.timeout(120_000);
  const cluster = useBrokerCluster(
    { a: 'node-a', b: 'node-b' },
    {
      prepareAuth(auth) {
        auth.add(B_TOKEN, { kind: 'developer', id: 'dev', name: 'dev@example.com', systemKey: SYS_B });
        auth.policy.set(SYS_B, 'takeover');
      },
    },
  );

  it(`reject: of two racing CONNECTs exactly one is admitted, ${String(ROUNDS)} times out of ${String(ROUNDS)}`, async () => {
    let winsA = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const clientId = `race-reject-${String(i)}`;
      // who sends first alternates, so each node wins some races
      const [onA, onB] =
        i % 2 === 0
          ? [cluster.a.client({ clientId }), cluster.b.client({ clientId })]
          : [cluster.b.client({ clientId }), cluster.a.client({ clientId })].reverse();
      const codes = await Promise.all([outcome(onA), outcome(onB)]);
      expect([...codes].sort(), `round ${String(i)}`).to.deep.equal([0, 2]);
      const winner = codes[0] === 0 ? onA : onB;
      if (winner === onA) winsA++;
      // the winner is still connected: a QoS 1 round trip succeeds
      await winner.publishAsync('alive', String(i), { qos: 1 });
      expect(winner.connected, `round ${String(i)}`).to.equal(true);
      const owner = await cluster.admin.get(cidKey(`${SYS_A}:${clientId}`));
      expect(owner?.split(':')[0]).to.equal(winner === onA ? 'node-a' : 'node-b');
      await Promise.all([onA.endAsync(true), onB.endAsync(true)]);
    }
    // both nodes won some races: the test exercised the cross-node path, not one node's lock
    expect(winsA).to.be.greaterThan(0).and.lessThan(ROUNDS);
  });

  it(`takeover: of two racing CONNECTs exactly one survives, ${String(ROUNDS)} times out of ${String(ROUNDS)}`, async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const clientId = `race-takeover-${String(i)}`;
      const onA = cluster.a.client({ clientId, username: B_TOKEN, password: SYS_B });
      const onB = cluster.b.client({ clientId, username: B_TOKEN, password: SYS_B });
      const closes = Promise.race([closed(onA).then(() => onA), closed(onB).then(() => onB)]);
      await Promise.all([outcome(onA), outcome(onB)]);
      const loser = await closes;
      const survivor = loser === onA ? onB : onA;
      await survivor.publishAsync('alive', String(i), { qos: 1 });
      expect(survivor.connected, `round ${String(i)}`).to.equal(true);
      expect(loser.connected, `round ${String(i)}`).to.equal(false);
      const owner = await cluster.admin.get(cidKey(`${SYS_B}:${clientId}`));
      expect(owner?.split(':')[0]).to.equal(survivor === onA ? 'node-a' : 'node-b');
      await survivor.endAsync(true);
    }
  });

  it('reject: an id held on A refuses B with CONNACK 2; freed by a clean close, it connects on B', async () => {
    const holder = await cluster.a.connect({ clientId: 'held-1' });
    const refused = cluster.b.client({ clientId: 'held-1' });
    expect(await outcome(refused)).to.equal(2);
    await holder.publishAsync('alive', 'x', { qos: 1 });
    expect(holder.connected).to.equal(true);
    await holder.endAsync();
    // the gate's compare-and-delete runs on the connection's close: wait for the key to go by its event
    const key = cidKey(`${SYS_A}:held-1`);
    if ((await cluster.admin.exists(key)) === 1) {
      const sub = new Redis(cluster.redis.url);
      try {
        await sub.config('SET', 'notify-keyspace-events', 'Kg');
        await sub.subscribe(`__keyspace@0__:${key}`);
        const deleted = new Promise<void>((resolve) => sub.once('message', () => resolve()));
        if ((await cluster.admin.exists(key)) === 1) await deleted;
      } finally {
        sub.disconnect();
      }
    }
    const again = await cluster.b.connect({ clientId: 'held-1' });
    expect(again.connected).to.equal(true);
  });
});
