import { expect } from 'chai';
import type { IConnackPacket } from 'mqtt-packet';
import { startMemoryBroker, type MemoryBroker } from './harness.js';
import { SYS_A, collect } from './helpers.js';
import { connectPacket } from './raw.js';

describe('broker/delivery: outgoing QoS and inflight limit', () => {
  let b: MemoryBroker;
  beforeEach(async () => {
    b = await startMemoryBroker({ limits: { maxInflight: 5 } });
    b.auth.add('tok', { kind: 'user', id: 'u1', name: 'u@x', systemKey: SYS_A });
  });
  afterEach(async () => {
    await b.close();
  });

  it('disconnects a client holding more than maxInflight unacknowledged messages, and only it', async () => {
    const slow = b.open();
    slow.send(connectPacket({ token: 'tok', systemKey: SYS_A, clientId: 'slow' }));
    expect(((await slow.next()) as IConnackPacket).returnCode).to.equal(0);
    slow.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q', qos: 1 }] });
    await slow.next();
    const healthy = await b.connect('tok', SYS_A);
    await healthy.subscribeAsync('q', { qos: 1 });
    // one message at a time: the healthy client acknowledges each, the raw one never does
    for (let i = 0; i < 8; i++) {
      const got = collect(healthy, 1);
      await b.broker.publish(SYS_A, 'q', String(i), { qos: 1 });
      expect((await got)[0].payload).to.equal(String(i));
    }
    await slow.closed();
    expect(b.log.lines.some((l) => String(l.msg).includes('maxInflight'))).to.equal(true);
    expect(healthy.connected).to.equal(true);
  });
});
