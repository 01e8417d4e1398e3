// Broker on Redis vs embedded (issue 16): the same createBroker, once embedded (LevelDB, in-process
// emitter) and once as a cluster node on a local redis-server (test/helpers/servers.ts), same process,
// same mqtt.js clients. Fan-in 10→1 at QoS 0 and QoS 1 (messages/s) and one publish→delivery latency at a
// paced rate (p50/p99, ms): what the Redis round trip every delivery takes adds. Prints ratios
// redis / embedded. Run: npm run bench -- --only broker-cluster   (needs redis-server installed)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Broker } from '../broker/types.js';
import { DEFAULT_LIMITS, SYS_A, createFakeAuth } from '../test/broker/helpers.js';
import { startTcpOnlyBroker } from '../test/broker/fixtures/tcp-only-broker.js';
import { startRedis } from '../test/helpers/servers.js';
import { createSamples, fmt, table } from './lib/stats.js';

const PUBLISHERS = 10;
const PER_PUBLISHER = 2000;
const LATENCY_SAMPLES = 1000;

async function start(redisUrl: string | undefined): Promise<{ broker: Broker; port: number; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'isobar-bench-cluster-'));
  const auth = createFakeAuth();
  auth.add('tok', { kind: 'developer', id: 'd', name: 'd', systemKey: SYS_A });
  const { broker, port } = await startTcpOnlyBroker(auth, {
    dataDir: dir,
    limits: { ...DEFAULT_LIMITS, maxInflight: 65535 },
    traffic: false,
    cluster: redisUrl === undefined ? undefined : { redisUrl, nodeId: 'bench-node', heartbeatS: 2 },
  });
  return { broker, port, dir };
}

async function client(port: number, clientId: string): Promise<MqttClient> {
  return mqtt.connectAsync(`mqtt://127.0.0.1:${String(port)}`, {
    username: 'tok',
    password: SYS_A,
    clientId,
    reconnectPeriod: 0,
  });
}

/** Fan-in: PUBLISHERS clients publish PER_PUBLISHER each, one subscriber takes all; messages/s. */
async function fanIn(port: number, qos: 0 | 1): Promise<number> {
  const sub = await client(port, `sub-${String(qos)}`);
  await sub.subscribeAsync(`bench/in${String(qos)}/#`, { qos });
  const pubs = await Promise.all(
    Array.from({ length: PUBLISHERS }, (_, i) => client(port, `pub-${String(qos)}-${String(i)}`)),
  );
  const total = PUBLISHERS * PER_PUBLISHER;
  let got = 0;
  const done = new Promise<void>((resolve) =>
    sub.on('message', () => {
      if (++got === total) resolve();
    }),
  );
  const t0 = performance.now();
  await Promise.all(
    pubs.map(async (p, i) => {
      for (let n = 0; n < PER_PUBLISHER; n++) {
        const sent = p.publishAsync(`bench/in${String(qos)}/${String(i)}`, 'x'.repeat(64), { qos });
        if (qos === 1 && n % 100 === 99) await sent; // keep a window of 100 in flight
      }
    }),
  );
  await done;
  const rate = total / ((performance.now() - t0) / 1000);
  await Promise.all([sub, ...pubs].map((c) => c.endAsync(true)));
  return rate;
}

/** One message at a time, each waits for its delivery: p50/p99 publish→delivery in ms. */
async function latency(port: number, qos: 0 | 1): Promise<{ p50: number; p99: number }> {
  const sub = await client(port, `lsub-${String(qos)}`);
  await sub.subscribeAsync('bench/lat', { qos });
  const pub = await client(port, `lpub-${String(qos)}`);
  const samples = createSamples();
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const t0 = performance.now();
    const got = new Promise<void>((resolve) => sub.once('message', () => resolve()));
    pub.publish('bench/lat', 'x', { qos });
    await got;
    samples.add(performance.now() - t0);
  }
  await Promise.all([sub.endAsync(true), pub.endAsync(true)]);
  return { p50: samples.percentile(50), p99: samples.percentile(99) };
}

async function measure(redisUrl: string | undefined) {
  const { broker, port, dir } = await start(redisUrl);
  try {
    return {
      in0: await fanIn(port, 0),
      in1: await fanIn(port, 1),
      lat0: await latency(port, 0),
      lat1: await latency(port, 1),
    };
  } finally {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

type Figures = Awaited<ReturnType<typeof measure>>;

const redis = await startRedis();
try {
  const embedded = await measure(undefined);
  const clustered = await measure(redis.url);
  /** One table row: the figure `pick` reads, embedded and on Redis, and their ratio. */
  const row = (label: string, pick: (f: Figures) => number, decimals = 0) => [
    label,
    fmt(pick(embedded), decimals),
    fmt(pick(clustered), decimals),
    fmt(pick(clustered) / pick(embedded), 2),
  ];
  process.stdout.write(
    `${table([
      ['broker-cluster', 'embedded', 'on Redis', 'redis/embedded'],
      row('fan-in 10→1 QoS 0 msg/s', (f) => f.in0),
      row('fan-in 10→1 QoS 1 msg/s', (f) => f.in1),
      row('latency QoS 0 p50 ms', (f) => f.lat0.p50, 3),
      row('latency QoS 0 p99 ms', (f) => f.lat0.p99, 3),
      row('latency QoS 1 p50 ms', (f) => f.lat1.p50, 3),
      row('latency QoS 1 p99 ms', (f) => f.lat1.p99, 3),
    ])}\n`,
  );
} finally {
  await redis.stop();
}
