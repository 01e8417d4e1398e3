import { expect } from 'chai';
import type { BrokerEventMap, BrokerMessage } from '../../broker/types.js';
import { startMemoryBroker, type MemoryBroker } from './harness.js';
import { SYS_A, SYS_B, collect, clientEvent } from './helpers.js';

describe('broker/index: the internal API', () => {
  let b: MemoryBroker;
  beforeEach(async () => {
    b = await startMemoryBroker();
    b.auth.add(
      'tok',
      { kind: 'device', id: 'dev-1', name: 'dev-1', systemKey: SYS_A },
      { '#': 3, '$trigger/#': 3 },
    );
  });
  afterEach(async () => {
    await b.close();
  });

  it('delivers client publishes to internal subscribers with publisher, client id and hop 0', async () => {
    const got: BrokerMessage[] = [];
    const arrived = new Promise<void>(
      (resolve) =>
        void b.broker.subscribe(SYS_A, 'sensors/+/temp', (m) => {
          got.push(m);
          resolve();
        }),
    );
    const client = await b.connect('tok', SYS_A, { clientId: 'c-1' });
    await client.publishAsync('sensors/7/temp', '21', { qos: 1 });
    await arrived;
    expect(got[0]).to.include({ systemKey: SYS_A, topic: 'sensors/7/temp', qos: 1, hop: 0, clientId: 'c-1' });
    expect(got[0].publisher).to.include({ kind: 'device', id: 'dev-1' });
    expect(got[0].payload.toString()).to.equal('21');
  });

  it('carries the hop count and identity of internal publishes to internal subscribers', async () => {
    const identity = { kind: 'service' as const, id: 'svc', name: 'svc', systemKey: SYS_A };
    const got = new Promise<BrokerMessage>((resolve) => void b.broker.subscribe(SYS_A, 'out/#', resolve));
    await b.broker.publish(SYS_A, 'out/1', 'x', { hop: 3, identity: { ...identity, kind: 'developer' } });
    const m = await got;
    expect(m.hop).to.equal(3);
    expect(m.publisher?.id).to.equal('svc');
  });

  it('stops delivering after the unsubscribe function resolves, and keeps systems apart', async () => {
    const got: string[] = [];
    const off = await b.broker.subscribe(SYS_A, '#', (m) => got.push(m.topic));
    await b.broker.publish(SYS_B, 'b', 'x');
    await b.broker.publish(SYS_A, 'a', 'x');
    await off();
    await b.broker.publish(SYS_A, 'a2', 'x');
    expect(got).to.deep.equal(['a']);
  });

  it('reports whether a topic has subscribers, per system', async () => {
    expect(b.broker.hasSubscribers(SYS_A, '$trigger/messaging/publish')).to.equal(false);
    const client = await b.connect('tok', SYS_A);
    await client.subscribeAsync('$trigger/messaging/+');
    expect(b.broker.hasSubscribers(SYS_A, '$trigger/messaging/publish')).to.equal(true);
    expect(b.broker.hasSubscribers(SYS_B, '$trigger/messaging/publish')).to.equal(false);
    await client.unsubscribeAsync('$trigger/messaging/+');
    expect(b.broker.hasSubscribers(SYS_A, '$trigger/messaging/publish')).to.equal(false);
  });

  it('refuses invalid topics with CB_ERR_MQTT_BAD_TOPIC', async () => {
    const codes: string[] = [];
    await b.broker.publish(SYS_A, 'a/#', 'x').catch((e: { code: string }) => codes.push(e.code));
    await b.broker.subscribe(SYS_A, 'a/#/b', () => {}).catch((e: { code: string }) => codes.push(e.code));
    expect(codes).to.deep.equal(['CB_ERR_MQTT_BAD_TOPIC', 'CB_ERR_MQTT_BAD_TOPIC']);
  });

  it('emits connected, subscribed, published, unsubscribed and disconnected events', async () => {
    const seen: string[] = [];
    const names: Array<keyof BrokerEventMap> = [
      'connected',
      'subscribed',
      'published',
      'unsubscribed',
      'disconnected',
    ];
    for (const name of names) {
      b.broker.on(name, (e) => {
        const detail = 'filter' in e ? e.filter : 'topic' in e ? e.topic : e.clientId;
        seen.push(`${name}:${String(detail)}`);
      });
    }
    const client = await b.connect('tok', SYS_A, { clientId: 'ev' });
    await client.subscribeAsync('t/#');
    const got = collect(client, 1);
    await client.publishAsync('t/1', 'x');
    await got;
    await client.unsubscribeAsync('t/#');
    const disconnected = new Promise<void>((resolve) => b.broker.on('disconnected', () => resolve()));
    await client.endAsync();
    await disconnected;
    expect(seen).to.deep.equal([
      'connected:ev',
      'subscribed:t/#',
      'published:t/1',
      'unsubscribed:t/#',
      'disconnected:ev',
    ]);
  });

  it('emits internalSubscribed once an internal subscriber is in place, plain or shared', async () => {
    const seen: Array<[string, string, string | undefined, boolean]> = [];
    b.broker.on('internalSubscribed', (e) => {
      // in place when reported: a publish now reaches it
      seen.push([e.systemKey, e.filter, e.identity?.id, b.broker.hasSubscribers(e.systemKey, 'in/1')]);
    });
    const identity = { kind: 'device' as const, id: 'dev-1', name: 'dev-1', systemKey: SYS_A, token: 'tok' };
    const offPlain = await b.broker.subscribe(SYS_A, 'in/#', () => {});
    const offShared = await b.broker.subscribe(SYS_B, '$share/g/in/+', () => {}, {});
    const offFor = await b.broker.subscribe(SYS_A, 'in/+', () => {}, { identity });
    expect(seen).to.deep.equal([
      [SYS_A, 'in/#', undefined, true],
      [SYS_B, '$share/g/in/+', undefined, true],
      [SYS_A, 'in/+', 'dev-1', true],
    ]);
    await Promise.all([offPlain(), offShared(), offFor()]);
  });

  it('closes idempotently', async () => {
    const client = await b.connect('tok', SYS_A);
    const closed = clientEvent(client, 'close');
    await Promise.all([b.broker.close(), b.broker.close()]);
    await closed;
    let code = '';
    await b.broker.publish(SYS_A, 'a', 'x').catch((e: { code: string }) => (code = e.code));
    expect(code).to.equal('CB_ERR_MQTT_CLOSED');
  });
});
