// One node against three (docs/cluster.md "What a cluster costs"), all on this machine, each node a real
// `isobar start` process (test/cluster/harness.ts, which also starts its own redis-server and PostgreSQL):
//   fan-in      — 10 publishers → 1 subscriber, QoS 0 and QoS 1 (publishers spread over the nodes);
//   workflow 1  — device publish in/<n> → Messaging::Publish trigger → micro service → out/<n> → subscriber;
//   latency     — publish → delivery p50/p99 at a paced rate: one embedded node (SQLite + LevelDB, no Redis)
//                 against a cluster node to itself (what the Redis round trip adds) and node A → node B.
// Bounded runs (BENCH_FANIN messages, BENCH_WORKFLOW messages, BENCH_RATE msg/s for BENCH_SECONDS).
// Run: npm run bench -- cluster   or   node --no-node-snapshot --import tsx bench/cluster.ts
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createRestClient, clearBladeHeaders } from '../bin/cli/rest-client.js';
import { startCluster, type ClusterNode, type NodeId, type TestCluster } from '../test/cluster/harness.js';
import { devOn } from '../test/cluster/world.js';
import { publishAll, publishPacket, rawClient, subscribeAll, until, type RawMqtt } from './lib/mqtt-load.js';
import { createSamples, fmt, table } from './lib/stats.js';
import { readingPayload, sentAt, TRIGGER_SOURCE } from './lib/workflow-work.js';

const FANIN = Number(process.env.BENCH_FANIN ?? 40_000);
const WORKFLOW = Number(process.env.BENCH_WORKFLOW ?? 4_000);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const PUBLISHERS = 10;

interface Setup {
  readonly cluster: TestCluster;
  readonly nodes: ClusterNode[];
  readonly auth: { username: string; password: string };
}

let seq = 0;
const client = (node: ClusterNode, s: Setup): Promise<RawMqtt> =>
  rawClient(node.mqttPort, { clientId: `bench-${String(seq++)}`, ...s.auth });

/** Waits until `sub` got `count` messages, or until nothing arrived for 5 s (answers what arrived). */
async function drained(sub: RawMqtt, count: number): Promise<number> {
  let last = sub.received;
  let quietSince = performance.now();
  while (sub.received < count) {
    await new Promise((resolve) => setTimeout(resolve, 20)); // bench only: a bounded poll
    if (sub.received !== last) {
      last = sub.received;
      quietSince = performance.now();
    } else if (performance.now() - quietSince > 5000) break;
  }
  return sub.received;
}

/** 10 publishers (round-robin over `pubNodes`) → one subscriber on `subNode`; msg/s delivered. */
async function fanIn(s: Setup, pubNodes: ClusterNode[], subNode: ClusterNode, qos: 0 | 1): Promise<string> {
  const sub = await client(subNode, s);
  // The subscriber takes QoS 0 (the raw client sends no PUBACK): `qos` is the publishers' side, as in bench/broker.ts.
  await subscribeAll([sub], `fan${qos}/#`, 0);
  const pubs = await Promise.all(
    Array.from({ length: PUBLISHERS }, (_, i) => client(pubNodes[i % pubNodes.length], s)),
  );
  const each = Math.floor(FANIN / PUBLISHERS);
  const t0 = performance.now();
  await Promise.all(pubs.map((p, i) => publishAll(p, `fan${qos}/${String(i)}`, each, qos)));
  const got = await drained(sub, each * PUBLISHERS);
  const seconds = (performance.now() - t0) / 1000;
  for (const c of [sub, ...pubs]) c.close();
  return `${fmt(got / seconds)} msg/s (${String(got)}/${String(each * PUBLISHERS)})`;
}

/** Paced publishes on `from`, delivered on `to`: p50/p99 ms on this process's clock. */
async function latency(s: Setup, from: ClusterNode, to: ClusterNode): Promise<string> {
  const sub = await client(to, s);
  const samples = createSamples();
  sub.onPayload = (payload) => samples.add(performance.now() - sentAt(payload));
  const topic = `lat/${String(seq)}`;
  await subscribeAll([sub], topic, 0);
  const pub = await client(from, s);
  const total = RATE * SECONDS;
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    await pub.write(publishPacket(topic, readingPayload(i, performance.now()), 0));
  }
  await drained(sub, total);
  pub.close();
  sub.close();
  return `${fmt(samples.percentile(50), 3)} / ${fmt(samples.percentile(99), 3)} ms (${String(samples.count)}/${String(total)})`;
}

/** Workflow 1 on every node: service + trigger created on A; publishers over `pubNodes`, subscriber on A. */
async function workflow1(s: Setup, pubNodes: ClusterNode[]): Promise<string> {
  const a = s.nodes[0];
  const dev = createRestClient(a.url, clearBladeHeaders.dev(s.auth.username));
  const sk = s.auth.password;
  await dev.request('POST', `/admin/code/v/1/${sk}/convert`, {
    body: { code: TRIGGER_SOURCE, parameters: [] },
  });
  await dev.request('POST', `/admin/triggers/handlers/${sk}/convertTrigger`, {
    body: {
      def_module: 'Messaging',
      def_name: 'Publish',
      key_value_pairs: { topic: 'in/+' },
      service_name: 'convert',
    },
  });
  // Every node learns of the trigger within one heartbeat (1 s here): a warm-up round proves it.
  const sub = await client(a, s);
  await subscribeAll([sub], 'out/+', 0);
  const pubs = await Promise.all(pubNodes.map((n) => client(n, s)));
  for (;;) {
    const before = sub.received;
    for (const p of pubs) await p.write(publishPacket('in/0', readingPayload(0, performance.now()), 0));
    await drained(sub, before + pubs.length);
    if (sub.received - before >= pubs.length) break;
  }
  const base = sub.received;
  const each = Math.floor(WORKFLOW / pubs.length);
  const t0 = performance.now();
  await Promise.all(
    pubs.map(async (p, k) => {
      for (let i = 0; i < each; i += 50) {
        const chunk = Array.from({ length: Math.min(50, each - i) }, (_, j) =>
          publishPacket(
            `in/${String(k)}`,
            readingPayload(i + j, performance.now()),
            1,
            ((i + j) % 60000) + 1,
          ),
        );
        await p.write(Buffer.concat(chunk));
        await until(() => p.acked >= i + chunk.length, 60_000, 1);
      }
    }),
  );
  const got = (await drained(sub, base + each * pubs.length)) - base;
  const seconds = (performance.now() - t0) / 1000;
  for (const c of [sub, ...pubs]) c.close();
  return `${fmt(got / seconds)} msg/s (${String(got)}/${String(each * pubs.length)})`;
}

async function setUp(ids: readonly NodeId[], mode: 'cluster' | 'embedded'): Promise<Setup> {
  const cluster = await startCluster({ nodes: ids, mode, env: { ISOBAR_LOG_LEVEL: 'warn' } });
  const nodes = ids.map((id) => cluster.node(id));
  const dev = await devOn(nodes[0]);
  const system = await dev.request<{ appID: string }>('POST', '/admin/systemmanagement', {
    body: { name: 'bench cluster' },
  });
  return {
    cluster,
    nodes,
    auth: { username: dev.headers['ClearBlade-DevToken'] ?? '', password: system.appID },
  };
}

async function main(): Promise<void> {
  const load = loadavg().map((l) => l.toFixed(2));
  const rows: string[][] = [['figure', 'one node (embedded)', 'three nodes (cluster)', 'ratio']];
  const ratio = (one: string, three: string) =>
    fmt(parseFloat(three.replace(/,/g, '')) / parseFloat(one.replace(/,/g, '')), 2);

  const one = await setUp(['a'], 'embedded');
  const r1: Record<string, string> = {};
  try {
    const [a] = one.nodes;
    r1.fan0 = await fanIn(one, [a], a, 0);
    r1.fan1 = await fanIn(one, [a], a, 1);
    r1.lat = await latency(one, a, a);
    r1.wf = await workflow1(one, [a]);
  } finally {
    await one.cluster.close();
  }
  const three = await setUp(['a', 'b', 'c'], 'cluster');
  const r3: Record<string, string> = {};
  try {
    const [a, b] = three.nodes;
    r3.fan0 = await fanIn(three, three.nodes, a, 0);
    r3.fan1 = await fanIn(three, three.nodes, a, 1);
    r3.latSame = await latency(three, a, a);
    r3.lat = await latency(three, a, b);
    r3.wf = await workflow1(three, three.nodes);
  } finally {
    await three.cluster.close();
  }
  rows.push(['fan-in 10→1 QoS 0', r1.fan0, r3.fan0, ratio(r1.fan0, r3.fan0)]);
  rows.push(['fan-in 10→1 QoS 1', r1.fan1, r3.fan1, ratio(r1.fan1, r3.fan1)]);
  rows.push(['workflow 1 (trigger → service → subscriber)', r1.wf, r3.wf, ratio(r1.wf, r3.wf)]);
  rows.push([`publish → delivery p50 / p99 @${String(RATE)}/s, same node`, r1.lat, r3.latSame, '']);
  rows.push([`publish → delivery p50 / p99 @${String(RATE)}/s, A → B`, '—', r3.lat, '']);
  console.log(
    `\ncluster bench — load average at start ${load.join(' ')}; every node and redis/postgres on this machine; ` +
      `fan-in ${String(FANIN)} msgs, workflow ${String(WORKFLOW)} msgs (QoS 1), latency ${String(RATE)} msg/s × ${String(SECONDS)} s (QoS 0)`,
  );
  console.log(table(rows));
}

await main();
