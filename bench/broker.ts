// Broker benchmark: this broker with auth, ACL and tenancy on against bare aedes 1.x with no
// hooks, same machine, one run, each broker alone in a child process (its CPU measured there), load from
// raw sockets in this process (bench/lib/mqtt-load.ts). Scenarios, each bounded to seconds:
//   fan-in 10→1 at QoS 0 and QoS 1, fan-out 1→100 at QoS 0: throughput and CPU per message;
//   publish→receive latency at 2,000 msg/s, QoS 0 and 1: p50 / p99;
//   10,000 idle connections: memory per connection.
// Prints ratios isobar / aedes. Run: npm run bench -- --only broker   or   node --import tsx bench/broker.ts
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { BENCH_SYSTEM, BENCH_TOKEN } from './lib/broker-child.js';
import { forkBrokerChild } from './lib/broker-fork.js';
import { publishAll, publishPacket, rawClient, subscribeAll, until, type RawMqtt } from './lib/mqtt-load.js';
import { cpuMicros, createSamples, fmt, table } from './lib/stats.js';

type Kind = 'aedes' | 'isobar' | 'mosquitto';

interface Child {
  readonly port: number;
  /** CPU microseconds (user + system) the broker process used so far. */
  cpu(): Promise<number>;
  /** Resident memory and (Node brokers, after a GC) heap in use, bytes. */
  memory(): Promise<{ rss: number; heap: number }>;
  close(): Promise<void>;
}

async function startNodeChild(kind: 'aedes' | 'isobar'): Promise<Child> {
  const child = await forkBrokerChild(kind, ['--expose-gc']);
  return {
    port: child.port,
    cpu: child.cpu,
    async memory() {
      const m = await child.ipc.ask<NodeJS.MemoryUsage>('mem');
      return { rss: m.rss, heap: m.heapUsed };
    },
    close: child.close,
  };
}

const MOSQUITTO = '/usr/sbin/mosquitto';

/** Mosquitto, when installed: anonymous, no inflight cap (its default 20 drops QoS 1 under fan-in). */
async function startMosquitto(): Promise<Child> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const dir = mkdtempSync(join(tmpdir(), 'isobar-bench-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${String(port)} 127.0.0.1`,
      'allow_anonymous true',
      'max_inflight_messages 0',
      'max_queued_messages 0',
      'persistence false',
      'set_tcp_nodelay true',
      'log_type none',
      '',
    ].join('\n'),
  );
  const child = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
  await until(() => existsSync(`/proc/${String(child.pid)}/stat`), 5000);
  for (let i = 0; i < 100; i++) {
    try {
      (await rawClient(port, { clientId: 'probe' })).close();
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const ticks = 100; // CLK_TCK on Linux
  return {
    port,
    async cpu() {
      const fields = readFileSync(`/proc/${String(child.pid)}/stat`, 'utf8')
        .split(') ')[1]
        .split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticks;
    },
    async memory() {
      const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${String(child.pid)}/status`, 'utf8'));
      return { rss: Number(rss?.[1] ?? 0) * 1024, heap: 0 };
    },
    async close() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let ids = 0;
const connectAll = async (port: number, n: number): Promise<RawMqtt[]> => {
  const clients: RawMqtt[] = [];
  for (let i = 0; i < n; i += 500) {
    const batch = Array.from({ length: Math.min(500, n - i) }, () =>
      rawClient(port, { clientId: `bench-${String(++ids)}`, username: BENCH_TOKEN, password: BENCH_SYSTEM }),
    );
    clients.push(...(await Promise.all(batch)));
  }
  return clients;
};

interface Throughput {
  readonly rate: number;
  readonly cpuPerMessage: number;
}

/** Measures `deliveries` over the time `run` takes, with the broker's CPU in that window. */
async function measure(child: Child, deliveries: number, run: () => Promise<void>): Promise<Throughput> {
  const cpu0 = await child.cpu();
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = await child.cpu();
  const own = process.cpuUsage(own0);
  if (process.env.BENCH_DEBUG !== undefined) {
    console.log(
      `  broker busy ${fmt((100 * (cpu1 - cpu0)) / 1e6 / seconds)}%, generator busy ${fmt((100 * cpuMicros(own)) / 1e6 / seconds)}%`,
    );
  }
  return { rate: deliveries / seconds, cpuPerMessage: (cpu1 - cpu0) / deliveries };
}

async function fanIn(child: Child, qos: 0 | 1, perPublisher: number): Promise<Throughput> {
  const [sub] = await connectAll(child.port, 1);
  await subscribeAll([sub], 'bench/in/+', qos);
  const pubs = await connectAll(child.port, 10);
  const total = pubs.length * perPublisher;
  const result = await measure(child, total, async () => {
    await Promise.all(pubs.map((p, i) => publishAll(p, `bench/in/${String(i)}`, perPublisher, qos)));
    await until(() => sub.received >= total, 60_000);
  });
  for (const c of [sub, ...pubs]) c.close();
  return result;
}

async function fanOut(child: Child, messages: number): Promise<Throughput> {
  const subs = await connectAll(child.port, 100);
  await subscribeAll(subs, 'bench/out', 0);
  const [pub] = await connectAll(child.port, 1);
  const total = messages * subs.length;
  const result = await measure(child, total, async () => {
    await publishAll(pub, 'bench/out', messages, 0);
    await until(() => subs.reduce((n, s) => n + s.received, 0) >= total, 60_000);
  });
  for (const c of [pub, ...subs]) c.close();
  return result;
}

async function latency(
  child: Child,
  qos: 0 | 1,
  rate: number,
  seconds: number,
): Promise<{ p50: number; p99: number }> {
  const [sub] = await connectAll(child.port, 1);
  await subscribeAll([sub], 'bench/lat', qos);
  const [pub] = await connectAll(child.port, 1);
  const samples = createSamples();
  const warmup = rate / 10;
  let seen = 0;
  sub.onPayload = (payload) => {
    const sentAt = payload.readBigUInt64BE(0);
    if (++seen > warmup) samples.add(Number(process.hrtime.bigint() - sentAt) / 1000);
  };
  const total = rate * seconds;
  const gap = 1e9 / rate;
  const start = process.hrtime.bigint();
  let sent = 0;
  const payload = Buffer.alloc(64);
  while (sent < total) {
    const now = process.hrtime.bigint();
    while (sent < total && Number(now - start) >= sent * gap) {
      payload.writeBigUInt64BE(process.hrtime.bigint(), 0);
      pub.socket.write(publishPacket('bench/lat', payload, qos, (sent % 65535) + 1));
      sent++;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await until(() => sub.received >= total, 10_000);
  pub.close();
  sub.close();
  return { p50: samples.percentile(50), p99: samples.percentile(99) };
}

async function idle(child: Child, n: number): Promise<{ rssPerConn: number; heapPerConn: number }> {
  const before = await child.memory();
  const clients = await connectAll(child.port, n);
  const after = await child.memory();
  for (const c of clients) c.close();
  return { rssPerConn: (after.rss - before.rss) / n, heapPerConn: (after.heap - before.heap) / n };
}

interface Results {
  fanIn0: Throughput;
  fanIn1: Throughput;
  fanOut0: Throughput;
  lat0: { p50: number; p99: number };
  lat1: { p50: number; p99: number };
  idle: { rssPerConn: number; heapPerConn: number };
}

const best = (a: Throughput | undefined, b: Throughput): Throughput =>
  a === undefined
    ? b
    : { rate: Math.max(a.rate, b.rate), cpuPerMessage: Math.min(a.cpuPerMessage, b.cpuPerMessage) };
const bestLat = (a: { p50: number; p99: number } | undefined, b: { p50: number; p99: number }) =>
  a === undefined ? b : { p50: Math.min(a.p50, b.p50), p99: Math.min(a.p99, b.p99) };

/**
 * Runs every scenario on each broker, alternating their order `rounds` times and keeping each one's best
 * figure: on a shared machine, other load then hits all alike instead of whichever ran last.
 */
async function runAll(kinds: Kind[], scale: number, rounds: number): Promise<Partial<Record<Kind, Results>>> {
  const children: Partial<Record<Kind, Child>> = {};
  for (const kind of kinds)
    children[kind] = kind === 'mosquitto' ? await startMosquitto() : await startNodeChild(kind);
  const get = (kind: Kind): Child => {
    const child = children[kind];
    if (child === undefined) throw new Error(`no ${kind}`);
    return child;
  };
  const out: Partial<Record<Kind, Partial<Results>>> = {};
  try {
    for (const kind of kinds) await fanIn(get(kind), 0, Math.round(5000 * scale)); // warm-up
    for (let round = 0; round < rounds; round++) {
      for (const kind of round % 2 === 0 ? kinds : [...kinds].reverse()) {
        const child = get(kind);
        const r = (out[kind] ??= {});
        r.fanIn0 = best(r.fanIn0, await fanIn(child, 0, Math.round(40_000 * scale)));
        r.fanIn1 = best(r.fanIn1, await fanIn(child, 1, Math.round(20_000 * scale)));
        r.fanOut0 = best(r.fanOut0, await fanOut(child, Math.round(10_000 * scale)));
        r.lat0 = bestLat(r.lat0, await latency(child, 0, 2000, 2));
        r.lat1 = bestLat(r.lat1, await latency(child, 1, 2000, 2));
      }
    }
    for (const kind of kinds) (out[kind] ??= {}).idle = await idle(get(kind), 10_000);
  } finally {
    await Promise.all(kinds.map((k) => get(k).close()));
  }
  return out as Partial<Record<Kind, Results>>;
}

async function main(): Promise<void> {
  const scale = Number(process.env.BENCH_SCALE ?? '0.5');
  const rounds = Number(process.env.BENCH_ROUNDS ?? '2');
  const withMosquitto = existsSync(MOSQUITTO);
  const kinds: Kind[] = withMosquitto ? ['aedes', 'isobar', 'mosquitto'] : ['aedes', 'isobar'];
  console.log(
    `broker bench: isobar (auth + ACL + tenancy) vs bare aedes 1.x${withMosquitto ? ' (and mosquitto)' : ''}, ` +
      `raw-socket load, scale ${String(scale)}, best of ${String(rounds)}`,
  );
  const results = await runAll(kinds, scale, rounds);
  const aedes = results.aedes;
  const isobar = results.isobar;
  if (aedes === undefined || isobar === undefined) throw new Error('missing results');
  const mq = results.mosquitto;
  const tp = (name: string, k: 'fanIn0' | 'fanIn1' | 'fanOut0') => [
    name,
    fmt(aedes[k].rate),
    fmt(isobar[k].rate),
    fmt(isobar[k].rate / aedes[k].rate, 2),
    fmt(aedes[k].cpuPerMessage, 2),
    fmt(isobar[k].cpuPerMessage, 2),
    fmt(isobar[k].cpuPerMessage / aedes[k].cpuPerMessage, 2),
    mq === undefined ? '-' : fmt(mq[k].rate),
    mq === undefined ? '-' : fmt(mq[k].cpuPerMessage, 2),
  ];
  console.log(
    table([
      [
        'deliveries/s, broker CPU µs per delivery',
        'aedes/s',
        'isobar/s',
        'ratio',
        'aedes µs',
        'isobar µs',
        'CPU ratio',
        'mosquitto/s',
        'mosq µs',
      ],
      tp('fan-in 10→1 QoS 0', 'fanIn0'),
      tp('fan-in 10→1 QoS 1', 'fanIn1'),
      tp('fan-out 1→100 QoS 0', 'fanOut0'),
    ]),
  );
  const ms = (v: number) => fmt(v / 1000, 3);
  const lat = (name: string, k: 'lat0' | 'lat1') => [
    name,
    ms(aedes[k].p50),
    ms(aedes[k].p99),
    ms(isobar[k].p50),
    ms(isobar[k].p99),
    mq === undefined ? '-' : ms(mq[k].p50),
    mq === undefined ? '-' : ms(mq[k].p99),
  ];
  console.log(
    table([
      [
        'latency at 2,000 msg/s (ms)',
        'aedes p50',
        'aedes p99',
        'isobar p50',
        'isobar p99',
        'mosq p50',
        'mosq p99',
      ],
      lat('QoS 0', 'lat0'),
      lat('QoS 1', 'lat1'),
    ]),
  );
  const kib = (v: number) => fmt(v / 1024, 1);
  console.log(
    table([
      ['10,000 idle connections (KiB/conn)', 'aedes', 'isobar', 'ratio', 'mosquitto'],
      [
        'RSS',
        kib(aedes.idle.rssPerConn),
        kib(isobar.idle.rssPerConn),
        fmt(isobar.idle.rssPerConn / aedes.idle.rssPerConn, 2),
        mq === undefined ? '-' : kib(mq.idle.rssPerConn),
      ],
      [
        'JS heap',
        kib(aedes.idle.heapPerConn),
        kib(isobar.idle.heapPerConn),
        fmt(isobar.idle.heapPerConn / aedes.idle.heapPerConn, 2),
        '-',
      ],
    ]),
  );
}

const started = performance.now();
await main();
console.log(`broker bench took ${fmt((performance.now() - started) / 1000, 1)} s`);
// Sockets of the load generator may linger in TIME_WAIT handling; the figures are out, so end here.
process.exit(0);
