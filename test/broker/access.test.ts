// Losing access ends access on live connections (DESIGN.md "Security model"), at the broker's unit boundary: a fake
// BrokerAuth whose grants the tests change, a manual clock for token expiry, mqtt.js over in-memory connections (harness.ts).
import { expect } from 'chai';
import type { BrokerMessage } from '../../broker/types.js';
import { createManualClock, type Clock, type ManualClock } from '../../services/kernel/clock.js';
import { startMemoryBroker, type MemoryBroker } from './harness.js';
import { SYS_A, SYS_B, clientEvent, collect, leakedAfterDrop, nothingBefore } from './helpers.js';

const USER = { kind: 'user', id: 'u1', name: 'u@x', systemKey: SYS_A } as const;
const WITNESS = { kind: 'user', id: 'w1', name: 'w@x', systemKey: SYS_A } as const;

describe('broker/access: losing access ends access on live connections', () => {
  let b: MemoryBroker;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = createManualClock();
    b = await startMemoryBroker({ clock });
    b.auth.add('tok-w', WITNESS, { '#': 3 });
  });
  afterEach(async () => {
    await b.close();
  });

  it('closes the connection when its token expires, by a timer on the injected clock', async () => {
    b.auth.add('tok-u', { ...USER, expiresAt: clock.now() + 60_000 }, { 'sensors/#': 3 });
    const client = await b.connect('tok-u', SYS_A);
    clock.advance(59_999);
    expect(await client.subscribeAsync('sensors/#')).to.have.length(1);
    expect(client.connected).to.equal(true);
    const closed = clientEvent(client, 'close');
    clock.advance(1);
    await closed;
    expect(b.log.lines.some((l) => l.msg === 'mqtt connection closed: token expired')).to.equal(true);
  });

  it('keeps a connection whose token never expires, and cancels the timer of a closed one', async () => {
    b.auth.add('tok-forever', { ...USER, id: 'u2' }, { 'sensors/#': 3 });
    b.auth.add('tok-u', { ...USER, expiresAt: clock.now() + 60_000 }, { 'sensors/#': 3 });
    const forever = await b.connect('tok-forever', SYS_A);
    const leaving = await b.connect('tok-u', SYS_A);
    const pending = clock.pending;
    const ended = endedOnBroker(b, 1);
    await leaving.endAsync();
    await ended;
    expect(clock.pending).to.equal(pending - 1);
    clock.advance(365 * 24 * 3600 * 1000);
    expect(await forever.subscribeAsync('sensors/#')).to.have.length(1);
  });

  it('refuses the next PUBLISH of an expired token and closes the connection when the timer lags', async () => {
    // a clock whose timers never fire: only the per-packet check can end the connection
    let now = Date.UTC(2026, 0, 1);
    const lagging: Clock = { now: () => now, setTimer: () => () => {} };
    await b.close();
    b = await startMemoryBroker({ clock: lagging });
    b.auth.add('tok-w', WITNESS, { '#': 3 });
    b.auth.add('tok-u', { ...USER, expiresAt: now + 1000 }, { 'sensors/#': 3 });
    const witness = await b.connect('tok-w', SYS_A);
    await witness.subscribeAsync('#');
    const client = await b.connect('tok-u', SYS_A);
    now += 1000;
    const closed = clientEvent(client, 'close');
    const leaked = await nothingBefore(
      witness,
      async () => {
        client.publish('sensors/1', 'late', { qos: 0 });
        await closed;
        await witness.publishAsync('marker', 'm');
      },
      'marker',
    );
    expect(leaked).to.deep.equal([]);
  });

  it('refuses the next SUBSCRIBE of an expired token and closes the connection', async () => {
    let now = Date.UTC(2026, 0, 1);
    const lagging: Clock = { now: () => now, setTimer: () => () => {} };
    await b.close();
    b = await startMemoryBroker({ clock: lagging });
    b.auth.add('tok-u', { ...USER, expiresAt: now + 1000 }, { 'sensors/#': 3 });
    const client = await b.connect('tok-u', SYS_A);
    now += 1000;
    const closed = clientEvent(client, 'close');
    client.subscribe('sensors/#', () => {});
    await closed;
  });

  /** A witness on sensors/# and `tok-u` holding sensors/# and ping/#, subscribed to `filters`. */
  async function sensorsSubscribers(filters: string[]) {
    b.auth.add('tok-u', USER, { 'sensors/#': 3, 'ping/#': 3 });
    const witness = await b.connect('tok-w', SYS_A);
    await witness.subscribeAsync('sensors/#');
    const client = await b.connect('tok-u', SYS_A);
    await client.subscribeAsync(filters);
    return { witness, client };
  }

  /** Takes sensors/# from tok-u's role and proves its client gets nothing more while the witness still does. */
  async function revokeSensorsAndProve({ witness, client }: Awaited<ReturnType<typeof sensorsSubscribers>>) {
    b.auth.grants.set('tok-u', { 'ping/#': 3 });
    b.broker.recheckAccess(SYS_A);
    const seen = collect(witness, 1);
    const leaked = await leakedAfterDrop(client, witness);
    expect(leaked).to.deep.equal([]);
    expect((await seen).map((m) => m.payload)).to.deep.equal(['after']);
  }

  it('drops subscriptions a role change no longer allows; a second subscriber still receives', async () => {
    const pair = await sensorsSubscribers(['sensors/#', 'ping/#']);
    const before = collect(pair.client, 1);
    await pair.witness.publishAsync('sensors/1', 'before', { qos: 1 });
    expect((await before).map((m) => m.payload)).to.deep.equal(['before']);

    await revokeSensorsAndProve(pair);
    expect(pair.client.connected).to.equal(true);
    expect(b.log.lines.some((l) => l.msg === 'mqtt subscriptions dropped: no longer allowed')).to.equal(true);
  });

  it('drops a shared subscription a role change no longer allows', async () => {
    await revokeSensorsAndProve(await sensorsSubscribers(['$share/g/sensors/#', 'ping/#']));
  });

  it('removes a dropped subscription from a persistent session, so a reconnect does not restore it', async () => {
    b.auth.add('tok-u', USER, { 'sensors/#': 3, 'ping/#': 3 });
    const opts = { clientId: 'keeper', clean: false };
    const first = await b.connect('tok-u', SYS_A, opts);
    await first.subscribeAsync(['sensors/#', 'ping/#'], { qos: 1 });
    b.auth.grants.set('tok-u', { 'ping/#': 3 });
    b.broker.recheckAccess(SYS_A);
    const ended = endedOnBroker(b, 1);
    await first.endAsync();
    await ended;
    // the role comes back: only a subscription still stored could deliver now
    b.auth.grants.set('tok-u', { 'sensors/#': 3, 'ping/#': 3 });
    const again = await b.connect('tok-u', SYS_A, opts);
    const witness = await b.connect('tok-w', SYS_A);
    const leaked = await leakedAfterDrop(again, witness);
    expect(leaked).to.deep.equal([]);
  });

  it('closes the connections of an identity that no longer authenticates, only in that system', async () => {
    b.auth.add('tok-u', USER, { 'sensors/#': 3 });
    b.auth.add('tok-b', { ...USER, systemKey: SYS_B }, { 'sensors/#': 3 });
    const gone = await b.connect('tok-u', SYS_A);
    const kept = await b.connect('tok-w', SYS_A);
    const other = await b.connect('tok-b', SYS_B);
    const closed = clientEvent(gone, 'close');
    b.auth.remove('tok-u');
    b.auth.remove('tok-b');
    b.broker.recheckAccess(SYS_A);
    await closed;
    expect(await kept.subscribeAsync('x')).to.have.length(1);
    expect(await other.subscribeAsync('sensors/x')).to.have.length(1);
    expect(b.log.lines.some((l) => l.msg === 'mqtt connection closed: access lost')).to.equal(true);
  });

  it('drops an internal subscription made for an identity (a stream service) once its roles no longer allow it', async () => {
    b.auth.add('tok-svc', { ...USER, id: 'svc' }, { 'sensors/#': 1 });
    const identity = b.auth.authenticate('tok-svc', SYS_A);
    const got: BrokerMessage[] = [];
    const platform: BrokerMessage[] = [];
    await b.broker.subscribe(SYS_A, 'sensors/#', (m) => got.push(m), { identity });
    await b.broker.subscribe(SYS_A, '$share/g/sensors/#', (m) => got.push(m), { identity });
    await b.broker.subscribe(SYS_A, 'sensors/#', (m) => platform.push(m)); // no identity: never dropped
    await b.broker.publish(SYS_A, 'sensors/1', 'before');
    expect(got.map((m) => m.payload.toString())).to.deep.equal(['before', 'before']);

    b.auth.grants.set('tok-svc', {});
    b.broker.recheckAccess(SYS_A);
    await b.broker.publish(SYS_A, 'sensors/1', 'after');
    expect(got).to.have.length(2);
    expect(platform.map((m) => m.payload.toString())).to.deep.equal(['before', 'after']);
    expect(b.log.lines.some((l) => l.msg === 'internal subscription dropped: no longer allowed')).to.equal(
      true,
    );
  });
});

/** Waits until the broker has let go of `count` closed connections (its `disconnected` events). */
function endedOnBroker(b: MemoryBroker, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    const timer = setTimeout(() => reject(new Error('no disconnect seen')), 5000);
    const off = b.broker.on('disconnected', () => {
      if (++seen < count) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}
