// Stream instances spread over the nodes of a cluster (issue 16, services/code/README.md "Streams in a
// cluster"): three nodes, each with its own real engine and its own registry over one shared store, and
// the in-memory cluster fake (test/helpers/fake-cluster.ts) standing in for Redis.
import { expect } from 'chai';
import type { ServiceVersion } from '../../../engine/types.js';
import { createLibraries } from '../../../services/code/libraries.js';
import { createRegistry, type CurrentService, type Registry } from '../../../services/code/registry.js';
import { instancesOf, placeInstances } from '../../../services/code/stream-placement.js';
import { createStreams, type Streams } from '../../../services/code/streams.js';
import type { RegistryChange } from '../../../services/code/types.js';
import { silentLog } from '../../../runtime-api/log.js';
import { createFakeClusterNet, type FakeClusterNet } from '../../helpers/fake-cluster.js';
import { waitFor } from '../../helpers/wait-for.js';
import { harness, request, type Harness } from '../../engine/helpers.js';
import { codeFixture, SYSTEM_KEY, type CodeFixture } from './fixtures.js';

/** Announces itself on `up` with its instance id, then waits for messages that never come. */
const TICK = `function Tick(req, resp) {
  var m = ClearBlade.Messaging();
  m.subscribe("never", function () {});
  m.publish("up", req.service_instance_id);
  m.waitForMessage(["never"], function () {});
}`;

interface Node {
  readonly id: string;
  readonly h: Harness;
  readonly registry: Registry;
  readonly streams: Streams;
  off: () => void;
}

/** What the code component's invoker gives the streams: the engine's version and a request. */
function versionOf(current: CurrentService): ServiceVersion {
  const r = current.record;
  return {
    systemKey: r.system_key,
    name: r.name,
    version: r.current_version,
    code: current.bundle,
    executionTimeout: r.execution_timeout,
    memoryLimitMb: 32,
    concurrency: r.concurrency,
    autoRestart: r.auto_restart,
    loggingEnabled: false,
  };
}

describe('stream services in a cluster (three nodes, fake cluster)', () => {
  let fx: CodeFixture;
  let net: FakeClusterNet;
  let nodes: Node[];

  /** A node: its engine, its registry over the shared store, its streams following the fake cluster. */
  const startNode = async (id: string): Promise<Node> => {
    const h = await harness();
    const cluster = net.join(id);
    const libraries = createLibraries({ store: fx.store, clock: fx.clock });
    await libraries.load();
    const registry = createRegistry({
      store: fx.store,
      clock: fx.clock,
      libraries,
      prepare: (record, bundle) => h.engine.prepare(versionOf({ record, bundle })),
      // Called only on saves, after `streams` below exists.
      onChange: (change: RegistryChange) => streams.onChange(change),
    });
    await registry.load();
    const streams = createStreams({
      engine: () => h.engine,
      registry,
      invoker: { versionOf, streamRequest: async () => request() },
      recorder: { streamExited: () => undefined },
      log: silentLog,
      cluster,
    });
    await streams.startAll();
    return { id, h, registry, streams, off: streams.followCluster() };
  };
  /** What the component's reloadSystem does when the change feed reports another node's save. */
  const reload = async (node: Node): Promise<void> => {
    for (const change of await node.registry.reload(SYSTEM_KEY)) await node.streams.onChange(change);
  };
  const countOn = (node: Node, name = 'Tick') =>
    node.h.engine.running(SYSTEM_KEY).filter((i) => i.name === name).length;
  const settled = () => Promise.all(nodes.map((n) => n.streams.settled()));
  const saveTick = async (input: Record<string, unknown>): Promise<void> => {
    const [a, ...others] = nodes;
    if (a.registry.find(SYSTEM_KEY, 'Tick') === undefined)
      await a.registry.create(SYSTEM_KEY, 'Tick', { code: TICK, execution_timeout: -1, ...input });
    else await a.registry.update(SYSTEM_KEY, 'Tick', input);
    for (const n of others) await reload(n);
    await settled();
  };

  beforeEach(async () => {
    fx = await codeFixture();
    net = createFakeClusterNet(fx.clock);
    nodes = [];
    for (const id of ['node-a', 'node-b', 'node-c']) nodes.push(await startNode(id));
  });
  afterEach(async () => {
    for (const n of nodes) {
      n.off();
      await n.h.engine.close();
    }
    await fx.close();
  });

  it('runs concurrency 3 over 3 nodes as one instance on each, every one of them up', async () => {
    const ups = nodes.map((n) => n.h.host.publishedTo('up', 1));
    await saveTick({ concurrency: 3, auto_restart: true });
    expect(nodes.map((n) => countOn(n))).to.deep.equal([1, 1, 1]);
    const up = await Promise.all(ups);
    expect(new Set(up.map((p) => String(p[0].payload))).size, 'three distinct instances').to.equal(3);
  });

  it('places every instance exactly once and evenly, the same on every node', () => {
    const live = ['node-a', 'node-b', 'node-c'];
    for (let s = 0; s < 50; s++) {
      const placed = placeInstances(SYSTEM_KEY, `svc${s}`, 7, live);
      const counts = live.map((id) => placed.filter((p) => p === id).length).sort();
      expect(counts, `svc${s}`).to.deep.equal([2, 2, 3]);
      const union = live.flatMap((id) => instancesOf(id, SYSTEM_KEY, `svc${s}`, 7, [...live].reverse()));
      expect(union.sort((a, b) => a - b)).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
    }
  });

  it("starts a dead node's instances on the others when it leaves", async () => {
    await saveTick({ concurrency: 3, auto_restart: true });
    const [a, b, c] = nodes;
    // The node dies: its process (and engine) is gone, and the others hear of it from the cluster.
    await c.h.engine.close();
    c.off();
    net.leave(c.id);
    nodes = [a, b];
    await settled();
    nodes = [a, b, c];
    expect(countOn(a) + countOn(b)).to.equal(3);
    expect(countOn(a)).to.equal(instancesOf(a.id, SYSTEM_KEY, 'Tick', 3, [a.id, b.id]).length);
    expect(countOn(b)).to.be.greaterThan(0);
  });

  it('gives a joining node its share, taken from the others (the total stays at concurrency)', async () => {
    await saveTick({ concurrency: 4, auto_restart: true });
    expect(nodes.map((n) => countOn(n)).reduce((x, y) => x + y)).to.equal(4);
    const d = await startNode('node-d');
    nodes.push(d);
    await settled();
    expect(nodes.map((n) => countOn(n))).to.deep.equal([1, 1, 1, 1]);
  });

  it('follows a save made on another node: the new version runs on every node', async () => {
    await saveTick({ concurrency: 3, auto_restart: true });
    await saveTick({ concurrency: 6 });
    expect(nodes.map((n) => countOn(n))).to.deep.equal([2, 2, 2]);
    for (const n of nodes) {
      expect(n.h.engine.running(SYSTEM_KEY).map((i) => i.version)).to.deep.equal([2, 2]);
    }
  });

  it('stops a service stopped by hand on every node, and a node change does not bring it back', async () => {
    await saveTick({ concurrency: 3, auto_restart: true });
    const [a, b, c] = nodes;
    const stoppedOn = [b, c].map((n) =>
      waitFor(n.h.engine, 'stream', (i) => i.state === 'stopped', { what: `stop on ${n.id}` }),
    );
    await a.streams.stopService(SYSTEM_KEY, 'Tick');
    await Promise.all(stoppedOn);
    await settled();
    expect(nodes.map((n) => countOn(n))).to.deep.equal([0, 0, 0]);
    c.off();
    await c.h.engine.close();
    net.leave(c.id);
    await Promise.all([a.streams.settled(), b.streams.settled()]);
    expect(countOn(a) + countOn(b)).to.equal(0);
    // Started by hand again on one node, it runs on every live node.
    const startedOnB = waitFor(b.h.engine, 'stream', (i) => i.state === 'running', { what: 'start on b' });
    await a.streams.startService(SYSTEM_KEY, 'Tick');
    await startedOnB;
    expect(countOn(a) + countOn(b)).to.equal(3);
  });

  it('deletes: a service deleted on one node stops everywhere once the others reload', async () => {
    await saveTick({ concurrency: 3, auto_restart: true });
    const [a, ...others] = nodes;
    await a.registry.remove(SYSTEM_KEY, 'Tick');
    for (const n of others) await reload(n);
    await settled();
    expect(nodes.map((n) => countOn(n))).to.deep.equal([0, 0, 0]);
    expect(others.map((n) => n.registry.find(SYSTEM_KEY, 'Tick'))).to.deep.equal([undefined, undefined]);
  });
});
