// Timers in a cluster (issue 16, services/automation/README.md "Timers in a cluster"): three nodes, each
// with its own timer registry and scheduler over one shared store, deciding each firing through the
// in-memory cluster fake's `once` (test/helpers/fake-cluster.ts); one manual clock for all.
import { expect } from 'chai';
import { createManualClock, type ManualClock } from '../../../../services/kernel/clock.js';
import { createMemoryLog, type Log } from '../../../../services/kernel/log.js';
import type { TimerRecord } from '../../../../services/automation/timers/registry.js';
import { createFakeClusterNet, type FakeClusterNet } from '../../../helpers/fake-cluster.js';
import { openTestStore, SYSTEM_KEY, type TestStore } from '../store-helper.js';
import { START, startAt, startTimerNode, type TimerNode } from './timer-rig.js';

interface Node extends TimerNode {
  readonly id: string;
}

describe('timers in a cluster (three nodes, fake cluster)', () => {
  let ts: TestStore;
  let clock: ManualClock;
  let net: FakeClusterNet;
  let nodes: Node[];
  /** Every firing that ran, on whichever node. */
  let ran: Array<{ node: string; name: string; at: number; run: number }>;
  /** Writes each registry reported for the change feed to announce. */
  let writes: string[];

  const startNode = async (
    id: string,
    options: { start?: boolean; once?: (key: string, ttlMs: number) => Promise<boolean>; log?: Log } = {},
  ): Promise<Node> => {
    const cluster = net.join(id);
    const node = await startTimerNode(ts, clock, {
      registry: {
        serviceExists: () => true,
        written: (systemKey) => writes.push(`${id} ${systemKey === SYSTEM_KEY ? 'sk' : systemKey}`),
      },
      scheduler: {
        log: options.log,
        fire: (t: TimerRecord, at) => ran.push({ node: id, name: t.name, at, run: t.runs }),
        once: options.once ?? ((key, ttlMs) => cluster.once(key, ttlMs)),
      },
      start: options.start,
    });
    return { id, ...node };
  };
  /** What the change feed does on the other nodes after a change made on `from`. */
  const reloadOthers = async (from: Node) => {
    for (const n of nodes) if (n !== from) await n.registry.reloadSystem(SYSTEM_KEY);
  };
  /**
   * Advances the clock and waits until every node has decided, counted and handed over what fell due, as
   * real time does between two firings of one timer (≥ the 1 s minimum period apart).
   */
  const tick = async (ms: number) => {
    clock.advance(ms);
    await Promise.all(nodes.map((n) => n.scheduler.settled()));
  };
  /** Waits for every firing still deciding (close waits for them) and stops the schedulers. */
  const closeAll = () => Promise.all(nodes.map((n) => n.scheduler.close()));

  beforeEach(async () => {
    ts = await openTestStore();
    clock = createManualClock(START);
    net = createFakeClusterNet(clock);
    ran = [];
    writes = [];
    nodes = [];
  });
  afterEach(async () => {
    await closeAll();
    await ts.close();
  });

  it('runs each firing of a timer once, with three nodes each computing every firing', async () => {
    for (const id of ['node-a', 'node-b', 'node-c']) nodes.push(await startNode(id));
    const [a] = nodes;
    await a.create('tick', { start_time: startAt(1000), repeats: -1, frequency: 5 });
    await reloadOthers(a);
    for (let i = 0; i < 20; i++) await tick(5000);
    await closeAll();
    const slots = ran.map((r) => r.at - START);
    expect(slots).to.deep.equal(Array.from({ length: 20 }, (_, i) => 1000 + i * 5000));
    // The run number handed to the firing is the store's count, whichever node ran it.
    expect(ran.map((r) => r.run)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
    // Every node asked for every firing; exactly one won each.
    expect(net.onceCalls).to.have.length(60);
    expect(net.onceCalls.filter((c) => c.won)).to.have.length(20);
    expect(new Set(net.onceCalls.map((c) => c.key)).size).to.equal(20);
  });

  it('runs a repeats-bounded timer exactly repeats + 1 times cluster-wide, and stores the count', async () => {
    for (const id of ['node-a', 'node-b', 'node-c']) nodes.push(await startNode(id));
    const [a, b] = nodes;
    await b.create('thrice', { start_time: startAt(1000), repeats: 2, frequency: 10 });
    await reloadOthers(b);
    for (let i = 0; i < 6; i++) await tick(10_000);
    await closeAll();
    expect(ran.map((r) => r.at - START)).to.deep.equal([1000, 11000, 21000]);
    const row = await ts.store.db
      .selectFrom('timers')
      .select(['runs'])
      .where('name', '=', 'thrice')
      .executeTakeFirstOrThrow();
    expect(row.runs).to.equal(3);
    expect(a.scheduler.nextRunOf(SYSTEM_KEY, 'thrice')).to.equal(undefined);
  });

  it('runs a once-only timer whose moment passed once, though nodes start (and fire it) at different times', async () => {
    // Stored while no node was up: its moment has passed when they start.
    const seed = await startNode('seed', { start: false });
    await seed.create('late', { start_time: startAt(-60_000), repeats: 0 });
    net.leave('seed');
    clock.advance(30_000);
    // All three read it before any ran it (runs 0), then start 700 ms apart: each fires it at its own "now".
    for (const id of ['node-a', 'node-b', 'node-c']) nodes.push(await startNode(id, { start: false }));
    for (const n of nodes) {
      n.scheduler.start();
      clock.advance(700);
    }
    await closeAll();
    expect(ran.map((r) => r.name)).to.deep.equal(['late']);
    expect(net.onceCalls, 'every node asked').to.have.length(3);
    expect(new Set(net.onceCalls.map((c) => c.key)).size, 'one key for the one run').to.equal(1);
  });

  it('follows changes made on another node: a new schedule re-arms, a deleted timer fires nowhere', async () => {
    for (const id of ['node-a', 'node-b', 'node-c']) nodes.push(await startNode(id));
    const [a, , c] = nodes;
    await a.create('beat', { start_time: startAt(1000), repeats: -1, frequency: 10 });
    await reloadOthers(a);
    await tick(1500);
    await c.registry.update(SYSTEM_KEY, 'beat', { frequency: 20 });
    await reloadOthers(c);
    for (const n of nodes) expect(n.scheduler.nextRunOf(SYSTEM_KEY, 'beat')).to.equal(START + 21_000);
    // The 21 s firing is decided and counted in the store before the delete races it.
    await tick(20_000);
    await a.registry.delete(SYSTEM_KEY, 'beat');
    await reloadOthers(a);
    clock.advance(60_000);
    await closeAll();
    expect(ran.map((r) => r.at - START)).to.deep.equal([1000, 21000]);
    for (const n of nodes) expect(n.registry.list(SYSTEM_KEY)).to.deep.equal([]);
    // What the change feed announces: the writes made on each node, none of the reloads.
    expect(writes).to.deep.equal(['node-a sk', 'node-c sk', 'node-a sk']);
  });

  it('skips a firing (never doubles it) when the cluster cannot decide, and says so in the log', async () => {
    const log = createMemoryLog();
    nodes.push(
      await startNode('node-a', {
        log,
        once: () => Promise.reject(new Error('redis unreachable')),
      }),
    );
    await nodes[0].create('gone', { start_time: 'Now', repeats: 0 });
    clock.advance(0);
    await closeAll();
    expect(ran).to.deep.equal([]);
    expect(log.lines.map((l) => l.msg)).to.include(
      'timer firing skipped: the cluster could not tell which node runs it',
    );
  });
});
