import { expect } from 'chai';
import type { BrokerEventMap } from '../../broker/types.js';
import { startMemoryBroker, type MemoryBroker } from './harness.js';
import { SYS_A, collect, nothingBefore, subackCodes } from './helpers.js';

describe('broker/acl: topic permissions from roles', () => {
  let b: MemoryBroker;
  beforeEach(async () => {
    b = await startMemoryBroker();
    b.auth.add(
      'tok-u',
      { kind: 'user', id: 'u1', name: 'u@x', systemKey: SYS_A },
      { 'sensors/#': 1, 'cmd/+': 2, 'open/#': 3 },
    );
    b.auth.add('tok-dev', { kind: 'developer', id: 'd1', name: 'dev@x', systemKey: SYS_A }, {});
    b.auth.add('tok-all', { kind: 'user', id: 'u2', name: 'all@x', systemKey: SYS_A });
  });
  afterEach(async () => {
    await b.close();
  });

  it('denies SUBSCRIBE outside the role topics with SUBACK 0x80 for that topic only', async () => {
    const client = await b.connect('tok-u', SYS_A);
    const denied: Array<BrokerEventMap['denied']> = [];
    b.broker.on('denied', (e) => denied.push(e));
    const granted = await subackCodes(client, {
      'sensors/+/temp': { qos: 1 },
      'cmd/1': { qos: 0 },
      '#': { qos: 0 },
    });
    expect(granted).to.deep.equal([1, 128, 128]);
    expect(b.broker.stats().deniedSubscribes).to.equal(2);
    expect(denied.map((d) => d.topic)).to.deep.equal(['cmd/1', '#']);
  });

  it('drops a denied PUBLISH, still acknowledges QoS 1 and 2, logs and counts it', async () => {
    const watcher = await b.connect('tok-all', SYS_A);
    await watcher.subscribeAsync('#', { qos: 2 });
    const client = await b.connect('tok-u', SYS_A);
    const leaked = await nothingBefore(
      watcher,
      async () => {
        await client.publishAsync('sensors/1', 'no', { qos: 1 });
        await client.publishAsync('sensors/2', 'no', { qos: 2 });
        await client.publishAsync('sensors/3', 'no', { qos: 0, retain: true });
        await client.publishAsync('cmd/1', 'marker', { qos: 1 });
      },
      'cmd/1',
    );
    expect(leaked).to.deep.equal([]);
    expect(b.broker.stats().deniedPublishes).to.equal(3);
    expect(b.log.lines.filter((l) => l.msg === 'mqtt publish denied')).to.have.length(3);
    expect(client.connected).to.equal(true);
  });

  it('applies role changes to the next operation without reconnecting', async () => {
    const client = await b.connect('tok-u', SYS_A);
    expect(await subackCodes(client, 'alerts/#')).to.deep.equal([128]);
    b.auth.grants.set('tok-u', { 'alerts/#': 3 });
    expect((await client.subscribeAsync('alerts/#'))[0].qos).to.equal(0);
    const got = collect(client, 1);
    await client.publishAsync('alerts/1', 'now allowed');
    expect((await got)[0].payload).to.equal('now allowed');
  });

  it('lets developers use every topic of their systems', async () => {
    const dev = await b.connect('tok-dev', SYS_A);
    const granted = await dev.subscribeAsync(['#', '$trigger/#']);
    expect(granted.map((g) => g.qos)).to.deep.equal([0, 0]);
    const got = collect(dev, 1);
    await dev.publishAsync('any/topic', 'x');
    expect((await got)[0].topic).to.equal('any/topic');
  });

  it('checks internal publishes and subscriptions made for an identity', async () => {
    const identity = { kind: 'user' as const, id: 'u1', name: 'u@x', systemKey: SYS_A, token: 'tok-u' };
    let code = '';
    await b.broker
      .publish(SYS_A, 'sensors/1', 'x', { identity })
      .catch((e: { code: string }) => (code = e.code));
    expect(code).to.equal('CB_ERR_MQTT_PUBLISH_DENIED');
    await b.broker
      .subscribe(SYS_A, 'cmd/#', () => {}, { identity })
      .catch((e: { code: string }) => (code = e.code));
    expect(code).to.equal('CB_ERR_MQTT_SUBSCRIBE_DENIED');
  });
});
