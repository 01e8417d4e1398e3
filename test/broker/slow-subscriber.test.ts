import { expect } from 'chai';
import { generate } from 'mqtt-packet';
import { SYS_A, collect, endClients, removeDir, startBroker, type TestBroker } from './helpers.js';
import { connectPacket, rawConnect } from './raw.js';

/** `count` QoS 0 PUBLISH packets on `topic` as one buffer (one TCP chunk). */
function burst(topic: string, count: number, payload: Buffer): Buffer {
  const one = generate({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false });
  return Buffer.concat(Array.from({ length: count }, () => one));
}

/** A raw-socket client of SYS_A, connected and subscribed to `topic` at QoS 0 (each step acknowledged). */
async function rawSubscriber(port: number, clientId: string, topic: string) {
  const sub = await rawConnect(port);
  sub.send(connectPacket({ token: 'tok', systemKey: SYS_A, clientId }));
  expect((await sub.next()).cmd).to.equal('connack');
  sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 0 }] });
  expect((await sub.next()).cmd).to.equal('suback');
  return sub;
}

describe('broker: a slow subscriber cannot crash or stall the broker', function () {
  this.timeout(30000);
  let b: TestBroker;
  beforeEach(async () => {
    b = await startBroker({ tcpOnly: true });
    b.auth.add('tok', { kind: 'user', id: 'u1', name: 'u@x', systemKey: SYS_A });
  });
  afterEach(async () => {
    await endClients();
    await b.close();
    removeDir(b.dataDir);
  });

  it('survives 5,000 QoS 0 publishes in one chunk to a subscriber that stops reading, then leaves', async () => {
    const port = b.ports.mqtt ?? 0;
    const sub = await rawSubscriber(port, 'slow', 'flood/#');
    sub.socket.pause(); // stops reading: the kernel buffers fill, then the broker's writes wait for drain

    const pub = await rawConnect(port);
    pub.send(connectPacket({ token: 'tok', systemKey: SYS_A, clientId: 'flooder' }));
    expect((await pub.next()).cmd).to.equal('connack');
    pub.send(burst('flood/x', 5000, Buffer.alloc(2048, 1)));
    pub.send({ cmd: 'pingreq' });
    // aedes answers the PINGREQ once the burst has gone through: the publisher is not held up behind
    // the subscriber's socket (unbounded, it waited for aedes' 60 s drain timeout)
    expect((await pub.next(10000)).cmd).to.equal('pingresp');
    expect(b.broker.stats().droppedDeliveries).to.be.greaterThan(0);
    expect(b.log.lines.some((l) => String(l.msg).includes('slow subscriber'))).to.equal(true);
    sub.end();
    await sub.closed();

    // a fresh client still gets a message through
    const fresh = await b.connect('tok', SYS_A, { clientId: 'fresh' });
    await fresh.subscribeAsync('after/#');
    const got = collect(fresh, 1, 10000);
    await fresh.publishAsync('after/1', 'alive');
    expect((await got)[0].payload).to.equal('alive');
    pub.end();
  });

  it('still paces publishers to a subscriber that reads: 4 × 10,000 QoS 0 publishes in one chunk each all arrive', async () => {
    const port = b.ports.mqtt ?? 0;
    const sub = await rawSubscriber(port, 'reader', 'in/#');
    const total = 40_000;
    let received = 0;
    const all = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${String(received)}/${String(total)} arrived`)),
        20000,
      );
      const count = (): void => {
        void sub.next(20000).then((p) => {
          if (p.cmd === 'publish' && ++received === total) {
            clearTimeout(timer);
            resolve();
          } else count();
        }, reject);
      };
      count();
    });
    const pubs = await Promise.all([0, 1, 2, 3].map(() => rawConnect(port)));
    for (const [i, pub] of pubs.entries()) {
      pub.send(connectPacket({ token: 'tok', systemKey: SYS_A, clientId: `pub-${String(i)}` }));
      expect((await pub.next()).cmd).to.equal('connack');
    }
    for (const [i, pub] of pubs.entries()) pub.send(burst(`in/${String(i)}`, total / 4, Buffer.alloc(64, 2)));
    await all;
    expect(b.broker.stats().droppedDeliveries).to.equal(0);
    for (const pub of [sub, ...pubs]) pub.end();
  });
});
