import { expect } from 'chai';
import type { IConnackPacket } from 'mqtt-packet';
import { startMemoryBroker, type MemoryBroker, type PacketClient } from './harness.js';
import { SYS_A, collect } from './helpers.js';
import { connectPacket, frame, rawPublish } from './raw.js';

describe('broker/inbound: bad input as raw bytes', function () {
  this.timeout(20000);
  let b: MemoryBroker;
  beforeEach(async () => {
    b = await startMemoryBroker({ limits: { maxPacketSize: 4096, maxTopicLength: 64, maxTopicLevels: 4 } });
    b.auth.add('tok', { kind: 'user', id: 'u1', name: 'u@x', systemKey: SYS_A });
  });
  afterEach(async () => {
    await b.close();
  });

  const connected = async (clientId = 'raw'): Promise<PacketClient> => {
    const raw = b.open();
    raw.send(connectPacket({ token: 'tok', systemKey: SYS_A, clientId }));
    expect(((await raw.next()) as IConnackPacket).returnCode).to.equal(0);
    return raw;
  };

  /** The broker still serves everybody else. */
  const stillServes = async () => {
    const client = await b.connect('tok', SYS_A);
    await client.subscribeAsync('ok');
    const got = collect(client, 1);
    await client.publishAsync('ok', 'fine');
    expect((await got)[0].payload).to.equal('fine');
  };

  it('closes a connection whose first packet is not CONNECT [MQTT-3.1.0-1]', async () => {
    const raw = b.open();
    raw.send({ cmd: 'publish', topic: 'a', payload: Buffer.from('x'), qos: 0, retain: false, dup: false });
    await raw.closed();
    await stillServes();
  });

  it('closes a connection that sends a second CONNECT [MQTT-3.1.0-2]', async () => {
    const raw = await connected();
    raw.send(connectPacket({ token: 'tok', systemKey: SYS_A, clientId: 'raw' }));
    await raw.closed();
    await stillServes();
  });

  it('closes a connection sending malformed bytes, before and after CONNECT', async () => {
    const early = b.open();
    early.send(Buffer.from([0x10, 0x05, 0x00, 0x04, 0x4d, 0x51, 0x54]));
    early.send(Buffer.from([0xf0, 0x00]));
    await early.closed();
    const late = await connected();
    late.send(Buffer.from([0x82, 0x02, 0x00, 0x01])); // SUBSCRIBE without payload
    await late.closed();
    await stillServes();
  });

  it('closes on wildcards in a PUBLISH topic [MQTT-3.3.2-2]', async () => {
    for (const topic of ['a/+', 'a/#']) {
      const raw = await connected();
      raw.send(rawPublish(Buffer.from(topic), Buffer.from('x')));
      await raw.closed();
    }
    await stillServes();
  });

  it('closes on a topic that is not valid UTF-8 or holds U+0000 [MQTT-1.5.3-1]', async () => {
    for (const topic of [
      Buffer.from([0x61, 0xff, 0x62]),
      Buffer.from([0x61, 0xed, 0xa0, 0x80]),
      Buffer.from('a\u0000b'),
    ]) {
      const raw = await connected();
      raw.send(rawPublish(topic, Buffer.from('x'), 1));
      await raw.closed();
    }
    await stillServes();
  });

  it("closes on a SUBSCRIBE filter whose '#' is not last [MQTT-4.7.1-2]", async () => {
    const raw = await connected();
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/#/b', qos: 0 }] });
    await raw.closed();
    await stillServes();
  });

  it('closes on an oversized payload as soon as its length is known, logging maxPacketSize', async () => {
    const raw = await connected();
    const big = frame(0x30, Buffer.alloc(5000));
    raw.send(big.subarray(0, 10)); // the header alone declares it too large
    await raw.closed();
    expect(b.log.lines.some((l) => l.limit === 'maxPacketSize')).to.equal(true);
    await stillServes();
  });

  it('closes on topics over the length or level limits, logging the limit', async () => {
    const long = await connected();
    long.send(rawPublish(Buffer.from('t'.repeat(65)), Buffer.from('x')));
    await long.closed();
    const deep = await connected();
    deep.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/b/c/d/e', qos: 0 }] });
    await deep.closed();
    expect(b.log.lines.map((l) => l.limit)).to.include.members(['maxTopicLength', 'maxTopicLevels']);
    expect(b.broker.stats().limitBreaches).to.equal(2);
    await stillServes();
  });

  it('survives a flood of connections that never send CONNECT or send garbage', async () => {
    const flood = await Promise.all(Array.from({ length: 200 }, () => b.open()));
    flood.forEach((raw, i) => {
      if (i % 2 === 0) raw.send(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]));
    });
    await stillServes();
    for (const raw of flood) raw.end();
  });
});
