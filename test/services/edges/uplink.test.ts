import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { createManualClock } from '../../../services/kernel/clock.js';
import { createMemoryLog } from '../../../services/kernel/log.js';
import { createOutbox, type Outbox } from '../../../services/edges/outbox.js';
import { createUplink, type Uplink } from '../../../services/edges/uplink.js';
import { createStore, type Store } from '../../../services/store/index.js';
import { tempDataDir } from '../../helpers/platform.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startBroker, startProxy, type TcpProxy, type TestBroker } from './helpers.js';

describe('edges/uplink', () => {
  let dir: string;
  let store: Store;
  let outbox: Outbox;
  let broker: TestBroker;
  let proxy: TcpProxy;
  let uplink: Uplink | undefined;
  let clock = createManualClock();
  let log = createMemoryLog();
  /** Emits 'down' for each relay message the uplink hands down. */
  const handed = new EventEmitter();

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

  function create(states: boolean[], down: string[] = []): Uplink {
    return createUplink(
      { url: `mqtt://127.0.0.1:${String(proxy.port)}`, systemKey: 'sk', edgeName: 'e1', token: 'tok' },
      {
        outbox,
        clock,
        log,
        handlers: {
          onDown: (topic, payload, qos) => {
            down.push(`${topic}|${payload.toString()}|${String(qos)}`);
            handed.emit('down');
          },
          onControl: () => undefined,
          onState: (c) => states.push(c),
        },
      },
    );
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
    const up = (uplink = create(states));
    const drained = waitFor(up.events, 'drained', undefined, { what: 'outbox drained' });
    up.start();
    await drained;
    expect(got).to.have.length(20);
    expect(await outbox.size()).to.equal(0);
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
    const up = (uplink = create(states));
    const connected = waitFor(up.events, 'state', (c) => c, { what: 'connected' });
    up.start();
    await connected;
    const disconnected = waitFor(up.events, 'state', (c) => !c, { what: 'disconnected' });
    proxy.cut();
    await disconnected;
    expect(states).to.deep.equal([true, false]);
    for (let i = 0; i < 30; i++) {
      await outbox.add('q/_platform', Buffer.from(String(i)), 1);
      up.notify();
    }
    expect(await outbox.size()).to.equal(30);
    // Still refused: the attempt fails and the next delay doubles.
    const refused = waitFor(up.events, 'retry', undefined, { what: 'refused attempt' });
    clock.advance(500);
    expect(clock.pending).to.equal(0);
    expect(await refused).to.deep.equal([1000]);
    expect(clock.pending).to.equal(1);
    proxy.restore();
    clock.advance(999);
    expect(states).to.deep.equal([true, false]);
    const delivered = waitFor(up.events, 'drained', undefined, { what: 'queued messages delivered' });
    clock.advance(1);
    await delivered;
    expect(got).to.have.length(30);
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
    const up = (uplink = create([]));
    const drained = waitFor(up.events, 'drained', undefined, { what: 'all delivered', timeoutMs: 10000 });
    up.start();
    await drained;
    expect(got.map((g) => Number(g.payload))).to.deep.equal([...Array(1500).keys()]);
    // Delivered entries leave the outbox once their PUBACKs are back.
    expect(await outbox.size()).to.equal(0);
  });

  it('hands down relay messages with their QoS', async () => {
    broker = await startBroker();
    proxy = await startProxy(broker.port);
    const states: boolean[] = [];
    const down: string[] = [];
    const up = (uplink = create(states, down));
    const connected = waitFor(up.events, 'state', (c) => c, { what: 'connected' });
    up.start();
    await connected;
    const handedDown = waitFor(handed, 'down', undefined, { what: 'down message' });
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
    await handedDown;
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
    const up = (uplink = create([]));
    const firstRetry = waitFor(up.events, 'retry', undefined, { what: 'first retry scheduled' });
    up.start();
    await firstRetry;
    expect(clock.pending).to.equal(1);
    expect(attempts).to.equal(1);
    expect(log.lines.some((l) => l.code === 'CB_ERR_EDGE_BAD_TOKEN')).to.equal(true);
    const secondRetry = waitFor(up.events, 'retry', undefined, { what: 'second attempt' });
    clock.advance(500);
    await secondRetry;
    expect(attempts).to.equal(2);
    expect(clock.pending).to.equal(1);
  });
});
