import { expect } from 'chai';
import { fromInternal, stripFor, toInternal } from '../../broker/tenancy.js';
import { startMemoryBroker, type MemoryBroker } from './harness.js';
import { SYS_A, SYS_B, collect, nothingBefore, clientEvent } from './helpers.js';

describe('broker/tenancy: topic spaces', () => {
  it('maps topics to internal form and back, $ topics under their own prefix', () => {
    expect(fromInternal(toInternal(SYS_A, 'a/b'))).to.deep.equal({ systemKey: SYS_A, topic: 'a/b' });
    expect(fromInternal(toInternal(SYS_A, '$trigger/x'))).to.deep.equal({
      systemKey: SYS_A,
      topic: '$trigger/x',
    });
    expect(stripFor(SYS_B, toInternal(SYS_A, 'a/b'))).to.equal(undefined);
    expect(stripFor(SYS_A, `${SYS_A}/a`)).to.equal(undefined);
  });

  describe('through the broker, over in-memory connections', () => {
    let b: MemoryBroker;
    beforeEach(async () => {
      b = await startMemoryBroker();
      b.auth.add(
        'tok-a',
        { kind: 'user', id: 'u1', name: 'a@x', systemKey: SYS_A },
        { '#': 3, '$trigger/#': 3 },
      );
      b.auth.add('tok-b', { kind: 'user', id: 'u2', name: 'b@x', systemKey: SYS_B });
    });
    afterEach(async () => {
      await b.close();
    });

    it("a '#' subscriber in one system sees nothing of another: messages, retained, wills, shared groups", async () => {
      const watcherA = await b.connect('tok-a', SYS_A);
      await watcherA.subscribeAsync(['#', '$share/g/#', '+/+/+'], { qos: 1 });
      const b1 = await b.connect('tok-b', SYS_B, {
        will: { topic: 'will/b', payload: Buffer.from('gone'), qos: 1, retain: true },
      });
      const b2 = await b.connect('tok-b', SYS_B);
      await b2.subscribeAsync('$share/g/#');
      const leaked = await nothingBefore(
        watcherA,
        async () => {
          await b2.publishAsync('x/y/z', 'plain', { qos: 1 });
          await b2.publishAsync('retained/t', 'kept', { qos: 1, retain: true });
          await b.broker.publish(SYS_B, 'internal/t', 'internal');
          b1.stream.destroy(); // no DISCONNECT: the will fires
          await clientEvent(b1, 'close');
          await b.broker.publish(SYS_A, 'marker', 'm');
        },
        'marker',
      );
      expect(leaked).to.deep.equal([]);
      // a late '#' subscriber in A gets no retained message of B either
      const late = await b.connect('tok-a', SYS_A);
      const retained = await nothingBefore(
        late,
        async () => {
          await late.subscribeAsync('#');
          await b.broker.publish(SYS_A, 'marker', 'm');
        },
        'marker',
      );
      expect(retained).to.deep.equal([]);
    });

    it("does not match $ topics with a leading wildcard but with '$trigger/#' [MQTT-4.7.2-1]", async () => {
      const all = await b.connect('tok-a', SYS_A);
      await all.subscribeAsync(['#', '+/messaging/publish']);
      const events = await b.connect('tok-a', SYS_A);
      await events.subscribeAsync('$trigger/#');
      const got = collect(events, 1);
      const leaked = await nothingBefore(
        all,
        async () => {
          await b.broker.publish(SYS_A, '$trigger/messaging/publish', '{}');
          await b.broker.publish(SYS_A, 'marker', 'm');
        },
        'marker',
      );
      expect(leaked).to.deep.equal([]);
      expect((await got)[0].topic).to.equal('$trigger/messaging/publish');
    });

    it('forbids clients to publish reserved platform topics', async () => {
      const events = await b.connect('tok-a', SYS_A);
      await events.subscribeAsync('$trigger/#');
      const spoofer = await b.connect('tok-a', SYS_A);
      const leaked = await nothingBefore(
        events,
        async () => {
          await spoofer.publishAsync('$trigger/user/created', 'fake', { qos: 1 });
          await b.broker.publish(SYS_A, '$trigger/marker', 'm');
        },
        '$trigger/marker',
      );
      expect(leaked).to.deep.equal([]);
    });
  });
});
