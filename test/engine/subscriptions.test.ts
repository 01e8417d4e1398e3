import { expect } from 'chai';
import { decodeBatch } from '../../runtime-api/sandbox-protocol.js';
import { RunSubscriptions } from '../../engine/subscriptions.js';

// The per-run buffer on its own: one copy per message, bounded in messages and characters.
describe('engine/subscriptions: RunSubscriptions', () => {
  const make = (maxMessages = 100, maxBytes = 1_000_000) => {
    const drops: string[] = [];
    const subs = new RunSubscriptions({ maxMessages, maxBytes }, (filter, n) => drops.push(`${filter}:${n}`));
    return { subs, drops };
  };
  type Subscription = ReturnType<RunSubscriptions['add']>;
  /** One publish handed to each subscription in `to` in turn, as the host does (with one message object, if given). */
  const deliver = (to: readonly Subscription[], topic: string, payload: string, message?: object): void => {
    for (const s of to) s.onMessage(topic, payload, message);
  };

  it('queues a message once for every subscription given the same message object', async () => {
    const { subs } = make();
    const a = subs.add('a/+');
    const b = subs.add('a/#');
    deliver([a, b], 'a/1', 'payload', {});
    expect(subs.stats).to.deep.equal({ messages: 1, bytes: 10, dropped: 0 });
    const batch = decodeBatch(await subs.wait(new Set([a.id, b.id])));
    expect(batch).to.deep.equal([[a.id, 'a/1', 'payload']]);
    expect(subs.stats.messages).to.equal(0);
  });

  it('without a message object takes an identical newest entry as the same message, never twice for one subscription', async () => {
    const { subs } = make();
    const a = subs.add('t');
    const b = subs.add('#');
    deliver([a, b], 't', 'x');
    deliver([a, b], 't', 'x'); // a second publish of the same text
    expect(subs.stats.messages).to.equal(2);
    expect(decodeBatch(await subs.wait(new Set([a.id])))).to.have.length(2);
    // Still queued for b: a wait that did not name b leaves its copy.
    expect(subs.stats.messages).to.equal(2);
    expect(decodeBatch(await subs.wait(new Set([b.id])))).to.deep.equal([
      [b.id, 't', 'x'],
      [b.id, 't', 'x'],
    ]);
    expect(subs.stats).to.include({ messages: 0, bytes: 0 });
  });

  it('drops the oldest beyond the character budget and refuses a message larger than the whole budget', () => {
    const { subs, drops } = make(100, 25);
    const a = subs.add('t');
    for (let i = 0; i < 5; i++) a.onMessage('t', `${i}`.repeat(9));
    expect(subs.stats).to.deep.equal({ messages: 2, bytes: 20, dropped: 3 });
    a.onMessage('t', 'z'.repeat(30));
    expect(subs.stats.dropped).to.equal(4);
    expect(drops).to.deep.equal(['t:1']);
  });

  it('forgets what was queued only for a removed subscription', () => {
    const { subs } = make();
    const a = subs.add('a');
    const b = subs.add('#');
    deliver([a, b], 'a', '1', {});
    deliver([b], 'b', '2', {});
    subs.remove('#');
    expect(subs.stats).to.include({ messages: 1, bytes: 2 });
  });
});
