import { expect } from 'chai';
import type { MqttClient } from 'mqtt';
import type { BrokerMessage } from '../../broker/types.js';
import { startMemoryBroker, type MemoryBroker } from './harness.js';
import { SYS_A, clientEvent } from './helpers.js';
import { connectPacket } from './raw.js';

/** Records payloads per member until `total` arrived across all of them. */
function gather(members: MqttClient[], total: number, timeoutMs = 10000) {
  const per = members.map(() => [] as string[]);
  let seen = 0;
  const done = new Promise<string[][]>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`only ${String(seen)}/${String(total)} arrived`)),
      timeoutMs,
    );
    members.forEach((m, i) =>
      m.on('message', (_t, payload) => {
        per[i].push(payload.toString());
        if (++seen === total) {
          clearTimeout(timer);
          resolve(per);
        }
      }),
    );
  });
  return { per, done };
}

describe('broker/shared-subscriptions: $share/<group>/<filter>', function () {
  this.timeout(20000);
  let b: MemoryBroker;
  beforeEach(async () => {
    b = await startMemoryBroker();
    b.auth.add(
      'tok',
      { kind: 'user', id: 'u1', name: 'u@x', systemKey: SYS_A },
      { 'work/#': 3, 'other/#': 3 },
    );
  });
  afterEach(async () => {
    await b.close();
  });

  const members = async (n: number, filter: string, qos: 0 | 1 | 2) => {
    const list: MqttClient[] = [];
    for (let i = 0; i < n; i++) {
      const m = await b.connect('tok', SYS_A);
      await m.subscribeAsync(filter, { qos });
      list.push(m);
    }
    return list;
  };

  it('spreads 300 QoS 1 messages over 3 members: 100 ± 1 each, no duplicates, none lost', async () => {
    const group = await members(3, '$share/workers/work/#', 1);
    const { done } = gather(group, 300);
    const pub = await b.connect('tok', SYS_A);
    for (let i = 0; i < 300; i++) void pub.publishAsync(`work/${String(i % 7)}`, String(i), { qos: 1 });
    const per = await done;
    for (const got of per) expect(got.length).to.be.within(99, 101);
    const all = per.flat();
    expect(new Set(all).size).to.equal(300);
  });

  it('honours QoS: a member subscribed at QoS 0 gets QoS 0, one at QoS 2 gets QoS 2', async () => {
    const [low] = await members(1, '$share/q/work/q', 0);
    const [high] = await members(1, '$share/q/work/q', 2);
    const qos: number[] = [];
    const got = new Promise<void>((resolve) => {
      const on = (_t: string, _p: Buffer, packet: { qos: number }) => {
        qos.push(packet.qos);
        if (qos.length === 2) resolve();
      };
      low.on('message', on);
      high.on('message', on);
    });
    await b.broker.publish(SYS_A, 'work/q', 'a', { qos: 2 });
    await b.broker.publish(SYS_A, 'work/q', 'b', { qos: 2 });
    await got;
    expect(qos.sort()).to.deep.equal([0, 2]);
  });

  it('gives each of several groups on one filter its own copy, beside ordinary subscribers', async () => {
    const g1 = await members(2, '$share/one/work/#', 0);
    const g2 = await members(2, '$share/two/work/#', 0);
    const plain = await members(1, 'work/#', 0);
    const a = gather(g1, 10);
    const c = gather(g2, 10);
    const p = gather(plain, 10);
    for (let i = 0; i < 10; i++) await b.broker.publish(SYS_A, 'work/x', String(i));
    await Promise.all([a.done, c.done, p.done]);
    expect(a.per.flat().sort()).to.deep.equal(p.per.flat().sort());
    expect(c.per.flat().sort()).to.deep.equal(p.per.flat().sort());
  });

  it('stops delivering to a member that unsubscribes with the same string', async () => {
    const [stays, leaves] = await members(2, '$share/g/work/#', 0);
    await leaves.unsubscribeAsync('$share/g/work/#');
    const counted: string[] = [];
    leaves.on('message', (_t, p) => counted.push(p.toString()));
    const { done } = gather([stays], 6);
    for (let i = 0; i < 6; i++) await b.broker.publish(SYS_A, 'work/x', String(i));
    expect((await done)[0]).to.have.length(6);
    expect(counted).to.deep.equal([]);
  });

  it('checks the ACL against <filter>', async () => {
    const client = await b.connect('tok', SYS_A);
    const codes = await new Promise<number[]>((resolve) => {
      client.on('packetreceive', (p) => {
        if (p.cmd === 'suback') resolve(p.granted as number[]);
      });
      client.subscribe(['$share/g/work/#', '$share/g/secret/#'], () => {});
    });
    expect(codes).to.deep.equal([0, 128]);
  });

  it('loses nothing when a member leaves mid-stream: its unacknowledged messages go to another member', async () => {
    const group = await members(2, '$share/g/work/#', 1);
    // a raw member that never acknowledges and vanishes after its 20th message
    const leaver = b.open();
    leaver.send(connectPacket({ token: 'tok', systemKey: SYS_A, clientId: 'leaver' }));
    await leaver.next();
    leaver.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$share/g/work/#', qos: 1 }] });
    await leaver.next();
    let leaverCount = 0;
    const gone = (async () => {
      while ((await leaver.next(10000)).cmd === 'publish' && ++leaverCount < 20);
      leaver.end();
    })();
    const received = new Set<string>();
    const all = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${String(received.size)} of 300`)), 10000);
      for (const m of group) {
        m.on('message', (_t, p) => {
          received.add(p.toString());
          if (received.size === 300) {
            clearTimeout(timer);
            resolve();
          }
        });
      }
    });
    const pub = await b.connect('tok', SYS_A);
    for (let i = 0; i < 300; i++) void pub.publishAsync('work/x', String(i), { qos: 1 });
    await all;
    await gone;
    expect(leaverCount).to.equal(20);
    expect(received.size).to.equal(300);
  });

  it('lets internal subscribers (stream services) join a group alongside MQTT clients', async () => {
    const [client] = await members(1, '$share/mixed/work/#', 0);
    const internal: BrokerMessage[] = [];
    const off = await b.broker.subscribe(SYS_A, '$share/mixed/work/#', (m) => internal.push(m));
    const { done } = gather([client], 5);
    for (let i = 0; i < 10; i++) await b.broker.publish(SYS_A, 'work/x', String(i));
    await done;
    expect(internal).to.have.length(5);
    await off();
    const closed = clientEvent(client, 'close');
    client.stream.destroy();
    await closed;
  });
});
