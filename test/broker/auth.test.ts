import { expect } from 'chai';
import type { IConnackPacket } from 'mqtt-packet';
import { startMemoryBroker, type MemoryBroker } from './harness.js';
import { SYS_A, SYS_B, clientEvent } from './helpers.js';
import { connectPacket } from './raw.js';

describe('broker/auth: CONNECT', () => {
  let b: MemoryBroker;
  beforeEach(async () => {
    b = await startMemoryBroker();
    b.auth.add('tok-a', { kind: 'user', id: 'u1', name: 'a@x.test', systemKey: SYS_A });
  });
  afterEach(async () => {
    await b.close();
  });

  const connack = async (packet: Parameters<typeof connectPacket>[0]) => {
    const raw = b.open();
    raw.send(connectPacket(packet));
    const reply = (await raw.next()) as IConnackPacket;
    return { raw, code: reply.returnCode ?? -1 };
  };

  it('accepts a user token with its systemKey as password (CONNACK 0)', async () => {
    const { raw, code } = await connack({ token: 'tok-a', systemKey: SYS_A });
    expect(code).to.equal(0);
    raw.end();
  });

  it('answers an unsupported protocol level with CONNACK 0x01 and closes [MQTT-3.1.2-2]', async () => {
    for (const level of [5, 6]) {
      const { raw, code } = await connack({ token: 'tok-a', systemKey: SYS_A, protocolVersion: level });
      expect(code).to.equal(1);
      await raw.closed();
    }
  });

  it('accepts MQTT 3.1 (MQIsdp) with a client id longer than 23 characters', async () => {
    const { raw, code } = await connack({
      token: 'tok-a',
      systemKey: SYS_A,
      protocolVersion: 3,
      clientId: 'x'.repeat(40),
    });
    expect(code).to.equal(0);
    raw.end();
  });

  it('rejects an empty client id with clean session 0 with CONNACK 0x02 [MQTT-3.1.3-8]', async () => {
    const { raw, code } = await connack({ token: 'tok-a', systemKey: SYS_A, clientId: '', clean: false });
    expect(code).to.equal(2);
    await raw.closed();
  });

  it('accepts an empty client id with clean session 1 [MQTT-3.1.3-6]', async () => {
    const { raw, code } = await connack({ token: 'tok-a', systemKey: SYS_A, clientId: '', clean: true });
    expect(code).to.equal(0);
    raw.end();
  });

  it('answers CONNACK 0x03 when the connection limit is reached', async () => {
    await b.close();
    b = await startMemoryBroker({ limits: { maxConnections: 1 } });
    b.auth.add('tok-a', { kind: 'user', id: 'u1', name: 'a@x.test', systemKey: SYS_A });
    const first = await connack({ token: 'tok-a', systemKey: SYS_A, clientId: 'one' });
    expect(first.code).to.equal(0);
    const second = await connack({ token: 'tok-a', systemKey: SYS_A, clientId: 'two' });
    expect(second.code).to.equal(3);
    first.raw.end();
  });

  it('answers CONNACK 0x04 for an unknown system or a missing password', async () => {
    expect((await connack({ token: 'tok-a', systemKey: 'ffff' })).code).to.equal(4);
    expect((await connack({ token: 'tok-a' })).code).to.equal(4);
  });

  it('answers CONNACK 0x05 for a bad token or a token of another system', async () => {
    expect((await connack({ token: 'nope', systemKey: SYS_A })).code).to.equal(5);
    expect((await connack({ token: 'tok-a', systemKey: SYS_B })).code).to.equal(5);
  });

  it('rejects a duplicate client id with CONNACK 0x02 under the default reject policy', async () => {
    const first = await b.connect('tok-a', SYS_A, { clientId: 'dup-1234567890123456789012345' });
    const { raw, code } = await connack({
      token: 'tok-a',
      systemKey: SYS_A,
      clientId: 'dup-1234567890123456789012345',
    });
    expect(code).to.equal(2);
    expect(first.connected).to.equal(true);
    raw.end();
  });

  it('closes the old connection under the takeover policy [MQTT-3.1.4-2]', async () => {
    b.auth.policy.set(SYS_A, 'takeover');
    const first = await b.connect('tok-a', SYS_A, { clientId: 'same' });
    const closed = clientEvent(first, 'close');
    const { raw, code } = await connack({ token: 'tok-a', systemKey: SYS_A, clientId: 'same' });
    expect(code).to.equal(0);
    await closed;
    raw.end();
  });

  it('lets two systems use the same client id', async () => {
    b.auth.add('tok-b', { kind: 'user', id: 'u2', name: 'b@x.test', systemKey: SYS_B });
    await b.connect('tok-a', SYS_A, { clientId: 'shared-id' });
    const other = await b.connect('tok-b', SYS_B, { clientId: 'shared-id' });
    expect(other.connected).to.equal(true);
  });

  it('closes the connections of revoked tokens', async () => {
    const client = await b.connect('tok-a', SYS_A);
    const closed = clientEvent(client, 'close');
    b.broker.disconnectTokens(['tok-a']);
    await closed;
  });

  it('accepts a connection rate within the limit and refuses the excess with CONNACK 0x03', async () => {
    await b.close();
    b = await startMemoryBroker({ limits: { connectRate: 2 } });
    b.auth.add('tok-a', { kind: 'user', id: 'u1', name: 'a@x.test', systemKey: SYS_A });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const { raw, code } = await connack({ token: 'tok-a', systemKey: SYS_A, clientId: `c${String(i)}` });
      codes.push(code);
      raw.end();
    }
    expect(codes.filter((c) => c === 3)).to.have.length.greaterThan(0);
    expect(codes[0]).to.equal(0);
    expect(b.log.lines.some((l) => l.limit === 'connectRate')).to.equal(true);
  });
});
