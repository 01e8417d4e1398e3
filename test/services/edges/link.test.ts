import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { createManualClock, type ManualClock } from '../../../services/kernel/clock.js';
import { createMemoryLog } from '../../../services/kernel/log.js';
import { edgeIdentity } from '../../../services/edges/broker-auth.js';
import { createDownlink, type Downlink } from '../../../services/edges/downlink.js';
import { createEdgeLink, type EdgeLink } from '../../../services/edges/edge-link.js';
import { createSyncNotifier } from '../../../services/edges/notifications.js';
import { createEdgeRegistry, type EdgeRegistry } from '../../../services/edges/registry.js';
import { createStore, type Store } from '../../../services/store/index.js';
import { tempDataDir } from '../../helpers/platform.js';
import { waitFor } from '../../helpers/wait-for.js';
import { arrived, startAdaptedBroker, startProxy, type AdaptedBroker, type TcpProxy } from './helpers.js';

interface Got {
  topic: string;
  payload: string;
  qos: number;
}

async function client(port: number, filters: string[]): Promise<{ c: MqttClient; got: Got[] }> {
  const got: Got[] = [];
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${String(port)}`, {
    username: 'u',
    reconnectPeriod: 0,
  });
  c.on('message', (topic, payload, packet) =>
    got.push({ topic, payload: payload.toString(), qos: packet.qos }),
  );
  if (filters.length > 0) await c.subscribeAsync(filters, { qos: 2 });
  return { c, got };
}

describe('edges: relay between a platform and two edges (plain aedes brokers)', function () {
  this.timeout(20000);
  const dirs: string[] = [];
  const stores: Store[] = [];
  const closers: Array<() => Promise<void>> = [];
  let platform: AdaptedBroker;
  let registry: EdgeRegistry;
  let downlink: Downlink;
  let proxy: TcpProxy;
  let clock: ManualClock;
  const states: string[] = [];
  /** Emits 'state' after each edge state change the platform's downlink reports. */
  const edgeEvents = new EventEmitter();
  const links: EdgeLink[] = [];
  const edgeBrokers: AdaptedBroker[] = [];

  const newStore = async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const store = await createStore({ dataDir: dir });
    stores.push(store);
    return store;
  };

  beforeEach(async () => {
    clock = createManualClock();
    const log = createMemoryLog();
    registry = createEdgeRegistry({ store: await newStore(), clock });
    await registry.load();
    platform = await startAdaptedBroker((username) => {
      const ref = registry.byToken(username);
      if (ref !== undefined) return edgeIdentity(ref.systemKey, ref.name);
      return { kind: 'developer', id: username, name: username, systemKey: 'sk' };
    });
    downlink = createDownlink({
      broker: platform.api,
      registry,
      notifier: createSyncNotifier((sk, topic, payload) => platform.api.publish(sk, topic, payload)),
      log,
      onEdgeState: (_sk, edge, connected) => {
        states.push(`${edge}:${String(connected)}`);
        edgeEvents.emit('state');
      },
    });
    downlink.start();
    proxy = await startProxy(platform.port);
    for (const name of ['e1', 'e2']) {
      const { token } = await registry.create('sk', name);
      const local = await startAdaptedBroker();
      edgeBrokers.push(local);
      const port = name === 'e1' ? proxy.port : platform.port;
      const link = createEdgeLink(
        { url: `mqtt://127.0.0.1:${String(port)}`, systemKey: 'sk', edgeName: name, token },
        { broker: local.api, store: await newStore(), clock, log },
      );
      links.push(link);
      link.start();
    }
    const allConnected = () => registry.list('sk').every((e) => e.isConnected);
    if (!allConnected()) await waitFor(edgeEvents, 'state', allConnected, { what: 'edges connected' });
  });

  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    for (const link of links.splice(0)) await link.close();
    await downlink.close();
    await proxy.close();
    for (const b of edgeBrokers.splice(0)) await b.close();
    await platform.close();
    for (const s of stores.splice(0)) await s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    states.length = 0;
  });

  async function clients() {
    const filters = [
      't/_platform',
      't/_edge/e1',
      't/_edge/e2',
      't/_broadcast',
      't/_edgeAndPlatform/e2',
      'end/#',
      '$notification/sync/generic_error',
    ];
    const p = await client(platform.port, filters);
    const a = await client(edgeBrokers[0].port, filters);
    const b = await client(edgeBrokers[1].port, filters);
    closers.push(
      () => p.c.endAsync(),
      () => a.c.endAsync(),
      () => b.c.endAsync(),
    );
    return { p, a, b };
  }

  const topics = (got: Got[]) => got.filter((g) => !g.topic.startsWith('end/')).map((g) => g.topic);

  it('delivers every direction of the seed table on the same topic string, without loops', async () => {
    const { p, a, b } = await clients();
    a.c.publish('t/_platform', 'a→p', { qos: 1 });
    await arrived(p.c, () => p.got.length === 1, 'edge to platform');
    expect(p.got[0]).to.deep.equal({ topic: 't/_platform', payload: 'a→p', qos: 1 });

    p.c.publish('t/_edge/e1', 'p→a', { qos: 2 });
    await arrived(a.c, () => a.got.some((g) => g.payload === 'p→a'), 'platform to edge');
    expect(a.got.find((g) => g.payload === 'p→a')).to.deep.equal({
      topic: 't/_edge/e1',
      payload: 'p→a',
      qos: 2,
    });

    a.c.publish('t/_edge/e2', 'a→b', { qos: 1 });
    await arrived(b.c, () => b.got.some((g) => g.payload === 'a→b'), 'edge to edge');

    p.c.publish('t/_broadcast', 'p→all', { qos: 1 });
    await arrived(a.c, () => a.got.some((g) => g.payload === 'p→all'), 'platform broadcast');
    await arrived(b.c, () => b.got.some((g) => g.payload === 'p→all'), 'platform broadcast');

    a.c.publish('t/_broadcast', 'a→all', { qos: 1 });
    await arrived(p.c, () => p.got.some((g) => g.payload === 'a→all'), 'edge broadcast');
    await arrived(b.c, () => b.got.some((g) => g.payload === 'a→all'), 'edge broadcast');

    a.c.publish('t/_edgeAndPlatform/e2', 'a→b+p', { qos: 1 });
    await arrived(p.c, () => p.got.some((g) => g.payload === 'a→b+p'), 'edge+platform');
    await arrived(b.c, () => b.got.some((g) => g.payload === 'a→b+p'), 'edge+platform');

    // Barrier: one more message along every path, then nothing else may have arrived.
    p.c.publish('end/_broadcast', 'x', { qos: 1 });
    a.c.publish('end/_platform', 'x', { qos: 1 });
    a.c.publish('end/_edge/e2', 'x', { qos: 1 });
    await arrived(p.c, () => p.got.some((g) => g.topic === 'end/_platform'), 'barrier p');
    await arrived(b.c, () => b.got.filter((g) => g.topic.startsWith('end/')).length === 2, 'barrier b');
    await arrived(a.c, () => a.got.some((g) => g.topic === 'end/_broadcast'), 'barrier a');

    // Each side also sees what its own clients publish (ordinary MQTT), exactly once.
    expect(topics(p.got)).to.deep.equal([
      't/_platform',
      't/_edge/e1',
      't/_broadcast',
      't/_broadcast',
      't/_edgeAndPlatform/e2',
    ]);
    expect(topics(a.got)).to.deep.equal([
      't/_platform',
      't/_edge/e1',
      't/_edge/e2',
      't/_broadcast',
      't/_broadcast',
      't/_edgeAndPlatform/e2',
    ]);
    expect(topics(b.got)).to.deep.equal([
      't/_edge/e2',
      't/_broadcast',
      't/_broadcast',
      't/_edgeAndPlatform/e2',
    ]);
    expect(b.got.filter((g) => g.payload === 'a→b+p')).to.have.length(1);
    expect(states).to.include.members(['e1:true', 'e2:true']);
  });

  it('reports a relay topic naming a missing edge on $notification/sync/generic_error', async () => {
    const { p } = await clients();
    p.c.publish('t/_edge/ghost', 'x', { qos: 1 });
    await arrived(
      p.c,
      () => p.got.some((g) => g.topic === '$notification/sync/generic_error'),
      'generic error',
    );
    const body = JSON.parse(
      p.got.find((g) => g.topic.startsWith('$notification'))?.payload ?? '{}',
    ) as object;
    expect(body).to.have.property('table', 'edges');
    expect(body).to.have.property('error').that.contains('ghost');
  });

  it('keeps serving locally through an uplink cut and delivers queued messages in order after reconnecting', async () => {
    const { p, a } = await clients();
    const platformNotices = waitFor(edgeEvents, 'state', () => states.includes('e1:false'), {
      what: 'platform notices',
    });
    const edgeNotices = waitFor(links[0].uplink.events, 'state', (c) => !c, { what: 'edge notices' });
    proxy.cut();
    await platformNotices;
    await edgeNotices;
    expect(links[0].uplink.connected).to.equal(false);
    const local = await client(edgeBrokers[0].port, ['local/x']);
    closers.push(() => local.c.endAsync());
    for (let i = 0; i < 25; i++) a.c.publish('q/_platform', String(i), { qos: 1 });
    a.c.publish('local/x', 'still here', { qos: 1 });
    await arrived(local.c, () => local.got.length === 1, 'local delivery during the cut');
    await p.c.subscribeAsync('q/_platform', { qos: 1 });
    proxy.restore();
    // Fire the pending reconnect at once, and any later one the moment it is scheduled.
    const reconnected = waitFor(links[0].uplink.events, 'state', (c) => c, { what: 'reconnected' });
    const fire = (delayMs: number) => clock.advance(delayMs);
    links[0].uplink.events.on('retry', fire);
    clock.advance(60_000);
    await reconnected;
    links[0].uplink.events.off('retry', fire);
    expect(links[0].uplink.connected).to.equal(true);
    await arrived(
      p.c,
      () => p.got.filter((g) => g.topic === 'q/_platform').length === 25,
      'queued delivered',
    );
    expect(p.got.filter((g) => g.topic === 'q/_platform').map((g) => g.payload)).to.deep.equal(
      [...Array(25).keys()].map(String),
    );
  });
});
