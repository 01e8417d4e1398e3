import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { createManualClock } from '../../../services/kernel/clock.js';
import { createMemoryLog } from '../../../services/kernel/log.js';
import { createOutbox, type Outbox } from '../../../services/edges/outbox.js';
import { createUplink, type Uplink } from '../../../services/edges/uplink.js';
import { createStore, type Store } from '../../../services/store/index.js';
import { tempDataDir } from '../../helpers/platform.js';
import { startBroker, startProxy, until, type TcpProxy, type TestBroker } from './helpers.js';

describe('edges/uplink', () => {
  let dir: string;
  let store: Store;
  let outbox: Outbox;
  let broker: TestBroker;
  let proxy: TcpProxy;
  let uplink: Uplink | undefined;
  let clock = createManualClock();
  let log = createMemoryLog();

  beforeEach(async () => {
    clock = createManualClock();
    log = createMemoryLog();
    dir = tempDataDir();
    store = await createStore({ dataDir: dir });
    outbox = createOutbox(store, { now: () => clock.now() });
  });
  afterEach(async () => {
    await uplink?.close();
    uplink = undefined;
    await proxy.close();
    await broker.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function received(): Array<{ topic: string; payload: string; qos: number }> {
    const got: Array<{ topic: string; payload: string; qos: number }> = [];
    broker.broker.on('publish', (packet, client) => {
      if (client !== null && packet.topic.startsWith('$edge/e1/up/')) {
        got.push({ topic: packet.topic, payload: packet.payload.toString(), qos: packet.qos });
      }
    });
    return got;
  }

  function start(states: boolean[], down: string[] = []) {
    uplink = createUplink(
      { url: `mqtt://127.0.0.1:${String(proxy.port)}`, systemKey: 'sk', edgeName: 'e1', token: 'tok' },
      {
        outbox,
        clock,
        log,
        handlers: {
          onDown: (topic, payload, qos) => down.push(`${topic}|${payload.toString()}|${String(qos)}`),
          onControl: () => undefined,
          onState: (c) => states.push(c),
        },
      },
    );
    uplink.start();
    return uplink;
  }

  it('authenticates with the edge token and system key, and sends the outbox in order', async () => {
    const creds: string[] = [];
    broker = await startBroker((client, username, password, done) => {
      creds.push(`${client.id}|${String(username)}|${String(password)}`);
      done(null, true);
    });
    proxy = await startProxy(broker.port);
    const got = received();
    for (let i = 0; i < 20; i++) await outbox.add('t/_platform', Buffer.from(String(i)), 1);
    const states: boolean[] = [];
    const up = start(states);
    await until(() => got.length === 20, 5000, 'outbox drained');
    expect(creds).to.deep.equal(['edge-e1|tok|sk']);
    expect(got.map((g) => g.payload)).to.deep.equal([...Array(20).keys()].map(String));
    expect(got[0]).to.include({ topic: '$edge/e1/up/t/_platform', qos: 1 });
    expect(states).to.deep.equal([true]);
    expect(up.connected).to.equal(true);
  });

  it('queues on disk while the platform is unreachable and delivers in order after reconnecting with backoff', async () => {
    broker = await startBroker();
    proxy = await startProxy(broker.port);
    const got = received();
    const states: boolean[] = [];
    const up = start(states);
    await until(() => states.length === 1, 5000, 'connected');
    proxy.cut();
    await until(() => states.length === 2, 5000, 'disconnected');
    expect(states).to.deep.equal([true, false]);
    for (let i = 0; i < 30; i++) {
      await outbox.add('q/_platform', Buffer.from(String(i)), 1);
      up.notify();
    }
    expect(await outbox.size()).to.equal(30);
    // Still refused: the attempt fails and the next delay doubles.
    clock.advance(500);
    expect(clock.pending).to.equal(0);
    await until(() => clock.pending === 1, 5000, 'refused attempt');
    proxy.restore();
    clock.advance(999);
    expect(states).to.deep.equal([true, false]);
    clock.advance(1);
    await until(() => got.length === 30, 5000, 'queued messages delivered');
    expect(got.map((g) => g.payload)).to.deep.equal([...Array(30).keys()].map(String));
    expect(states).to.deep.equal([true, false, true]);
  });

  it('drains far more than one window of messages, in order', async () => {
    broker = await startBroker();
    proxy = await startProxy(broker.port);
    const got = received();
    const adds = [];
    for (let i = 0; i < 1500; i++) adds.push(outbox.add('many/_platform', Buffer.from(String(i)), 1));
    await Promise.all(adds);
    start([]);
    await until(() => got.length === 1500, 10000, 'all delivered');
    expect(got.map((g) => Number(g.payload))).to.deep.equal([...Array(1500).keys()]);
    // Delivered entries leave the outbox once their PUBACKs are back.
    let left = await outbox.size();
    const poll = setInterval(() => void outbox.size().then((n) => (left = n)), 5);
    await until(() => left === 0, 5000, 'outbox emptied');
    clearInterval(poll);
  });

  it('hands down relay messages with their QoS', async () => {
    broker = await startBroker();
    proxy = await startProxy(broker.port);
    const states: boolean[] = [];
    const down: string[] = [];
    start(states, down);
    await until(() => states.length === 1, 5000, 'connected');
    await new Promise<void>((resolve) =>
      broker.broker.publish(
        {
          cmd: 'publish',
          topic: '$edge/e1/down/a/_edge/e1',
          payload: Buffer.from('hi'),
          qos: 1,
          retain: false,
          dup: false,
        },
        () => resolve(),
      ),
    );
    await until(() => down.length === 1, 5000, 'down message');
    expect(down).to.deep.equal(['a/_edge/e1|hi|1']);
  });

  it('keeps retrying when the platform refuses the token, logging CB_ERR_EDGE_BAD_TOKEN', async () => {
    let attempts = 0;
    broker = await startBroker((_c, _u, _p, done) => {
      attempts++;
      const err = Object.assign(new Error('bad'), { returnCode: 5 });
      done(err as never, false);
    });
    proxy = await startProxy(broker.port);
    start([]);
    await until(() => clock.pending === 1, 5000, 'first retry scheduled');
    expect(attempts).to.equal(1);
    expect(log.lines.some((l) => l.code === 'CB_ERR_EDGE_BAD_TOKEN')).to.equal(true);
    clock.advance(500);
    await until(() => attempts === 2 && clock.pending === 1, 5000, 'second attempt');
  });
});
