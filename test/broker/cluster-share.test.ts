// `$share/<group>/<filter>` across nodes (broker/cluster-share.ts): three brokers in one process on one
// redis-server. Messages published on one node are spread over members on all three, each exactly once;
// when a node dies holding unacknowledged messages (its member never PUBACKs), a live member gets them.
// The heartbeat keys `isobar:node:<id>` (written by services/cluster on a real node) are set by the test;
// a node "dies" by losing its Redis connections (a proxy in front of Redis is torn down), its sockets and
// its heartbeat key, without a clean close.
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { expect } from 'chai';
import type { MqttClient } from 'mqtt';
import { SYS_A } from './helpers.js';
import { startClusterBroker, type ClusterBroker } from './cluster-helpers.js';
import { useBrokerCluster } from './cluster-fixture.js';

/**
 * A TCP proxy to Redis whose `kill` cuts every connection and refuses new ones (a node losing Redis);
 * `revive` listens again on the same port, only so the dead node can be closed at the end of the test.
 */
async function redisProxy(port: number): Promise<{ url: string; kill(): void; revive(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const relay = (inbound: Socket) => {
    const outbound = netConnect(port, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    inbound.pipe(outbound).pipe(inbound);
  };
  let server: Server = createServer(relay);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const local = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `redis://127.0.0.1:${String(local)}`,
    kill() {
      server.close();
      for (const s of sockets) s.destroy();
    },
    async revive() {
      server = createServer(relay);
      server.listen(local, '127.0.0.1');
      await once(server, 'listening');
    },
  };
}

/** Records payloads per member until `expected` distinct payloads arrived across those members. */
function gather(members: MqttClient[], expected: number, timeoutMs = 15000) {
  const per = members.map(() => [] as string[]);
  const seen = new Set<string>();
  const done = new Promise<string[][]>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`only ${String(seen.size)}/${String(expected)} arrived`)),
      timeoutMs,
    );
    members.forEach((m, i) =>
      m.on('message', (_t, payload) => {
        per[i].push(payload.toString());
        seen.add(payload.toString());
        if (seen.size === expected) {
          clearTimeout(timer);
          resolve(per);
        }
      }),
    );
  });
  return { per, done };
}

/** The client takes every message and never sends a PUBACK (mqtt.js has no option for that). */
function neverAck(client: MqttClient): void {
  const inner = client as unknown as { _sendPacket(packet: { cmd: string }, cb?: () => void): void };
  const send = inner._sendPacket.bind(client);
  inner._sendPacket = (packet, cb) => (packet.cmd === 'puback' ? cb?.() : send(packet, cb));
}

/** Settles with `work` or after `ms`, whichever is first (a cleanup bound, not a synchronisation). */
function within(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([work, bound]).finally(() => clearTimeout(timer));
}

const range = (n: number) => Array.from({ length: n }, (_v, i) => String(i));

describe('broker/cluster-share: $share/<group>/<filter> across three nodes', function () {
  this.timeout(60_000);
  // No node for the whole suite: each test starts its own (and may kill one), closed after it.
  const cluster = useBrokerCluster({});
  const nodes: ClusterBroker[] = [];

  afterEach(async () => {
    // bounded: a node that lost Redis mid-delivery may never finish aedes' close (reported to the emitter's owner)
    await Promise.all(nodes.splice(0).map((n) => within(n.close(), 5000)));
  });
  /** A node on `url` (Redis or a proxy to it) whose heartbeat key the test keeps. */
  const startNode = async (nodeId: string, url = cluster.redis.url) => {
    await cluster.admin.set(`isobar:node:${nodeId}`, '1');
    const node = await startClusterBroker(url, nodeId, cluster.auth, { systemKey: SYS_A, heartbeatS: 1 });
    nodes.push(node);
    return node;
  };
  const member = async (node: ClusterBroker, filter: string) => {
    const m = await node.connect();
    await m.subscribeAsync(filter, { qos: 1 });
    return m;
  };

  it('spreads N QoS 1 messages published on one node over members on three nodes: disjoint, non-empty, all N', async () => {
    const [a, b, c] = [await startNode('share-a'), await startNode('share-b'), await startNode('share-c')];
    const filter = '$share/spread/work/#';
    const members = [await member(a, filter), await member(b, filter), await member(c, filter)];
    const n = 60;
    const { per, done } = gather(members, n);
    const pub = await a.connect();
    for (let i = 0; i < n; i++) await pub.publishAsync(`work/${String(i % 5)}`, String(i), { qos: 1 });
    await done;
    for (const share of per) expect(share).to.not.be.empty;
    const all = per.flat();
    expect(all).to.have.length(n); // no duplicate arrived before the last distinct one
    expect([...all].sort()).to.deep.equal(range(n).sort());
    const keys = await cluster.admin.keys('isobar:share:*');
    expect(keys).to.include(`isobar:share:${SYS_A}`);
  });

  it('a node dies holding unacknowledged messages: each of them still reaches a live member', async () => {
    const a = await startNode('death-a');
    const b = await startNode('death-b');
    const proxy = await redisProxy(cluster.redis.port);
    const c = await startNode('death-c', proxy.url);
    const filter = '$share/survive/job/#';
    const live = [await member(a, filter), await member(b, filter)];
    const doomed = await member(c, filter);
    neverAck(doomed);
    const n = 45;
    const first = gather([...live, doomed], n);
    const pub = await a.connect();
    for (let i = 0; i < n; i++) await pub.publishAsync(`job/${String(i)}`, String(i), { qos: 1 });
    const [onA, onB, held] = await first.done;
    expect(held, 'the doomed member held some').to.not.be.empty;
    expect([...onA, ...onB, ...held].sort()).to.deep.equal(range(n).sort());

    // C dies: no Redis, no heartbeat; nothing is closed cleanly (its member stays connected and silent:
    // closing its socket while Redis is gone leaves aedes' client close pending in the Redis persistence)
    const before = new Set([...onA, ...onB]);
    for (const m of live) m.removeAllListeners('message');
    const redelivered = gather(live, n - before.size);
    await cluster.admin.del('isobar:node:death-c');
    proxy.kill();
    const [againA, againB] = await redelivered.done;
    const reached = new Set([...before, ...againA, ...againB]);
    expect([...reached].sort()).to.deep.equal(range(n).sort());
    expect([...againA, ...againB].sort()).to.deep.equal([...held].sort());
    // (the dead node's in-process objects retry Redis until they give up: let them reach it and close)
    await proxy.revive();
    await doomed.endAsync(true);
    await within(c.close(), 5000);
    proxy.kill();
  });
});
