// Metrics bench: what the per-system traffic counters (services/metrics, broker/traffic.ts) cost the
// broker's fan-in. The same broker (auth, ACL, tenancy on) twice, each alone in a child process
// (bench/lib/broker-child.ts): `isobar` with counters on (read every second as a scraper would) and
// `isobar-nometrics` with ISOBAR_METRICS=false (no counting hooks on the message path). Raw-socket load
// from this process: 10 publishers → 1 subscriber at QoS 0 and QoS 1. Best of BENCH_ROUNDS alternating
// rounds. Target: on / off ≥ 0.95×. Run: npm run bench -- --only metrics
import { BENCH_SYSTEM, BENCH_TOKEN } from './lib/broker-child.js';
import { forkBrokerChild, type BrokerChild } from './lib/broker-fork.js';
import { publishAll, rawClient, subscribeAll, until, type RawMqtt } from './lib/mqtt-load.js';
import { fmt, table } from './lib/stats.js';

type Kind = 'isobar' | 'isobar-nometrics';

/** Starts the broker of `kind` alone in a child process. */
const startChild = (kind: Kind): Promise<BrokerChild> => forkBrokerChild(kind);

let ids = 0;
const connectAll = (port: number, n: number): Promise<RawMqtt[]> =>
  Promise.all(
    Array.from({ length: n }, () =>
      rawClient(port, {
        clientId: `metrics-${String(++ids)}`,
        username: BENCH_TOKEN,
        password: BENCH_SYSTEM,
      }),
    ),
  );

interface Throughput {
  readonly rate: number;
  readonly cpuPerMessage: number;
}

async function fanIn(child: BrokerChild, qos: 0 | 1, perPublisher: number): Promise<Throughput> {
  const [sub] = await connectAll(child.port, 1);
  await subscribeAll([sub], 'bench/in/+', qos);
  const pubs = await connectAll(child.port, 10);
  const total = pubs.length * perPublisher;
  const cpu0 = await child.cpu();
  const t0 = performance.now();
  await Promise.all(pubs.map((p, i) => publishAll(p, `bench/in/${String(i)}`, perPublisher, qos)));
  await until(() => sub.received >= total, 60_000);
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = await child.cpu();
  for (const c of [sub, ...pubs]) c.close();
  return { rate: total / seconds, cpuPerMessage: (cpu1 - cpu0) / total };
}

const best = (a: Throughput | undefined, b: Throughput): Throughput =>
  a === undefined
    ? b
    : { rate: Math.max(a.rate, b.rate), cpuPerMessage: Math.min(a.cpuPerMessage, b.cpuPerMessage) };

async function main(): Promise<void> {
  const scale = Number(process.env.BENCH_SCALE ?? '0.5');
  const rounds = Number(process.env.BENCH_ROUNDS ?? '3');
  console.log(
    `metrics bench: broker fan-in 10→1 with per-system counters on vs off, scale ${String(scale)}, best of ${String(rounds)}`,
  );
  const kinds: Kind[] = ['isobar', 'isobar-nometrics'];
  const children = {
    isobar: await startChild('isobar'),
    'isobar-nometrics': await startChild('isobar-nometrics'),
  };
  const out: Record<Kind, { q0?: Throughput; q1?: Throughput }> = { isobar: {}, 'isobar-nometrics': {} };
  try {
    for (const kind of kinds) await fanIn(children[kind], 0, Math.round(5000 * scale)); // warm-up
    for (let round = 0; round < rounds; round++) {
      for (const kind of round % 2 === 0 ? kinds : [...kinds].reverse()) {
        const r = out[kind];
        r.q0 = best(r.q0, await fanIn(children[kind], 0, Math.round(40_000 * scale)));
        r.q1 = best(r.q1, await fanIn(children[kind], 1, Math.round(20_000 * scale)));
      }
    }
  } finally {
    await Promise.all(kinds.map((k) => children[k].close()));
  }
  const row = (name: string, key: 'q0' | 'q1') => {
    const on = out.isobar[key];
    const off = out['isobar-nometrics'][key];
    if (on === undefined || off === undefined) throw new Error('missing results');
    return [
      name,
      fmt(off.rate),
      fmt(on.rate),
      fmt(on.rate / off.rate, 2),
      fmt(off.cpuPerMessage, 2),
      fmt(on.cpuPerMessage, 2),
      fmt(on.cpuPerMessage / off.cpuPerMessage, 2),
    ];
  };
  console.log(
    table([
      ['scenario', 'off msg/s', 'on msg/s', 'on/off', 'off µs CPU/msg', 'on µs CPU/msg', 'on/off'],
      row('fan-in 10→1 QoS 0', 'q0'),
      row('fan-in 10→1 QoS 1', 'q1'),
    ]),
  );
  console.log('target: on/off throughput ≥ 0.95×');
}

void main();
