// Message history benchmark (services/history/README.md), two parts:
// 1. Broker fan-in, QoS 0 and QoS 1, with history capture of every topic ON against the same broker with
//    it OFF, in one run: throughput ratio (target >= 0.85) and "nothing lost" (rows stored = messages sent).
//    Publishers are bench/lib/mqtt-load.ts raw sockets in a worker thread, so the broker's thread does
//    only broker work.
// 2. Query latency: the last 100 messages of one topic among N rows (default 10 million), p50/p99 through
//    the same reader REST uses, against the same query on a 10-thousand-row table as the baseline; rows
//    are loaded through the writer's own insert, 10 messages of a topic per capture batch, and once more
//    with one message per batch (the worst case: every message its own segment).
// Run: npm run bench -- history   or   node --no-node-snapshot --import tsx bench/history.ts
import { singleNode } from '../services/kernel/cluster.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import SQLite from 'better-sqlite3';
import { createBroker } from '../broker/index.js';
import { publishPacket, rawClient, type RawMqtt } from './lib/mqtt-load.js';
import type { Broker, BrokerAuth } from '../broker/types.js';
import { IsobarError } from '../runtime-api/errors/index.js';
import { systemClock } from '../services/kernel/clock.js';
import { loadConfig } from '../services/config/load.js';
import { createPlatformEvents } from '../services/kernel/events.js';
import { createHistory } from '../services/history/component.js';
import { createHistoryReader } from '../services/history/query.js';
import { createMemoryLog } from '../services/kernel/log.js';
import { createStore } from '../services/store/index.js';
import { HistoryWriterDb } from '../services/history/storage/writer-db.js';
import { CaptureBatchBuilder } from '../services/history/storage/segments.js';

const SK = 'abcdef0123456789abcdef01234567';

interface LoadJob {
  readonly port: number;
  readonly publishers: number;
  readonly perPublisher: number;
  readonly qos: 0 | 1;
  readonly payloadBytes: number;
}

// ---------------------------------------------------------------- load generator (worker thread)

async function loadWorker(job: LoadJob, port: NonNullable<typeof parentPort>): Promise<void> {
  const clients: RawMqtt[] = [];
  for (let p = 0; p < job.publishers; p++) {
    clients.push(
      await rawClient(job.port, {
        clientId: `bench-${String(p)}`,
        username: `token-${String(p)}`,
        password: SK,
      }),
    );
  }
  const payload = Buffer.alloc(job.payloadBytes, 0x61);
  const chunks = clients.map((_, p) => {
    const packets: Buffer[] = [];
    for (let i = 0; i < job.perPublisher; i++) {
      packets.push(publishPacket(`bench/${String(p)}/${String(i % 10)}`, payload, job.qos, (i % 65535) + 1));
    }
    const out: Buffer[] = [];
    for (let i = 0; i < packets.length; i += 500) out.push(Buffer.concat(packets.slice(i, i + 500)));
    return out;
  });
  port.postMessage('ready');
  await once(port, 'message');
  await Promise.all(
    clients.map(async (c, p) => {
      for (const chunk of chunks[p]) await c.write(chunk);
    }),
  );
  port.postMessage('sent');
  await once(port, 'message');
  for (const c of clients) c.close();
}

function startLoadWorker(job: LoadJob): Worker {
  const self = import.meta.url;
  if (self.endsWith('.js')) return new Worker(new URL(self), { workerData: job });
  const tsx = createRequire(self).resolve('tsx/package.json');
  const api = new URL('./dist/esm/api/index.mjs', pathToFileURL(tsx)).href;
  return new Worker(
    `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(self)}); });`,
    { eval: true, workerData: job },
  );
}

// ---------------------------------------------------------------- fan-in runs (main thread)

/**
 * CPU µs used so far by this process's main thread (utime + stime of /proc/self/task/<pid>/stat), or
 * undefined off Linux. Wall-clock busy time would also count the time the thread waits for a core.
 */
function mainThreadCpuMicros(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${String(process.pid)}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // clock ticks at USER_HZ 100
  } catch {
    return undefined;
  }
}

const allowAll: BrokerAuth = {
  authenticate: (token, systemKey) => ({ kind: 'user', id: token, name: token, systemKey, token }),
  duplicateClientId: () => 'reject',
  canPublish: () => true,
  canSubscribe: () => true,
  login: () => Promise.reject(new IsobarError('CB_ERR_AUTH_BAD_CREDENTIALS')),
};

interface FanInResult {
  readonly msgPerSec: number;
  /** CPU time of the broker's thread per message, µs (Linux /proc; else its event-loop busy time). */
  readonly busyMicros: number;
  readonly stored?: number;
  readonly dropped?: number;
}

async function fanIn(job: Omit<LoadJob, 'port'>, capture: boolean): Promise<FanInResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'isobar-bench-history-'));
  const log = createMemoryLog();
  const broker: Broker = await createBroker(
    {
      host: '127.0.0.1',
      ports: { tcp: 0, tls: -1, ws: -1, wss: -1, auth: -1, authTls: -1, authWs: -1, authWss: -1 },
      tls: undefined,
      dataDir,
      limits: {
        maxPacketSize: 1024 * 1024,
        maxTopicLength: 1024,
        maxTopicLevels: 32,
        maxConnections: 1000,
        maxInflight: 65535,
        connectRate: 0,
      },
      publicHost: '127.0.0.1',
    },
    { auth: allowAll, log, clock: systemClock },
  );
  const store = await createStore({ dataDir });
  const history = capture
    ? await createHistory(
        { capture: { maxPending: 1_000_000 } },
        {
          config: loadConfig({ env: {}, overrides: { dataDir } }),
          log,
          clock: systemClock,
          cluster: singleNode('bench'),
          store,
          events: createPlatformEvents(() => undefined),
          broker,
        },
      )
    : undefined;
  await history?.setStorage(SK, [{ topic: '#', max_rows: 0, max_time: 0 }]);
  // Start the writer thread before the clock runs (it starts on first use): a round measures steady state.
  await history?.delete(SK, { topic: 'warm-up', count: 1 });
  const ports = await broker.listen();
  const total = job.publishers * job.perPublisher;
  let seen = 0;
  let done: () => void = () => undefined;
  const allSeen = new Promise<void>((resolve) => (done = resolve));
  broker.on('published', (m) => {
    if (m.systemKey === SK && ++seen === total) done();
  });
  const worker = startLoadWorker({ ...job, port: ports.mqtt ?? 0 });
  const messages = (async function* () {
    for (;;) yield (await once(worker, 'message'))[0] as string;
  })();
  await messages.next(); // ready
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = mainThreadCpuMicros();
  const t0 = performance.now();
  worker.postMessage('go');
  await allSeen;
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = mainThreadCpuMicros();
  const busyMicros =
    cpu0 !== undefined && cpu1 !== undefined
      ? (cpu1 - cpu0) / total
      : (performance.eventLoopUtilization(elu0).active * 1000) / total;
  worker.postMessage('stop');
  await worker.terminate();
  let stored: number | undefined;
  let dropped: number | undefined;
  if (history !== undefined) {
    await history.capture.flush();
    const row = await store.db
      .selectFrom('history_topics')
      .select((eb) => eb.fn.sum<number>('row_count').as('n'))
      .executeTakeFirstOrThrow();
    stored = Number(row.n);
    dropped = history.capture.stats().dropped;
    await history.close?.();
  }
  await broker.close();
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { msgPerSec: total / seconds, busyMicros, stored, dropped };
}

// ---------------------------------------------------------------- query latency

/**
 * Loads `rows` messages over `topics` topics through the writer's own insert (`perSegment` messages of a
 * topic per capture batch), then times the last-100 query as REST runs it, alternating the plain form and
 * the `last` form.
 */
async function queryLatency(rows: number, topics: number, perSegment: number, samples: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'isobar-bench-history-q-'));
  const store = await createStore({ dataDir });
  const sqlite = new SQLite(join(dataDir, 'isobar.db'));
  sqlite.pragma('synchronous = OFF');
  const writer = new HistoryWriterDb(sqlite);
  const perTopic = Math.floor(rows / topics);
  const base = Date.UTC(2026, 0, 1);
  const t0 = performance.now();
  const payload = Buffer.alloc(16, 0x62);
  const builder = new CaptureBatchBuilder();
  const topicsPerBatch = Math.max(1, Math.floor(1000 / perSegment));
  for (let seg = 0; seg * perSegment < perTopic; seg++) {
    for (let t0i = 0; t0i < topics; t0i += topicsPerBatch) {
      for (let t = t0i; t < Math.min(topics, t0i + topicsPerBatch); t++) {
        const index = builder.addTopic(SK, `sensors/${String(t)}/temp`);
        for (let j = 0; j < perSegment && seg * perSegment + j < perTopic; j++) {
          builder.add(index, builder, 'user', '127.0.0.1', base + (seg * perSegment + j) * 1000, 0, payload);
        }
      }
      writer.insert(builder.take());
    }
  }
  const loadSeconds = (performance.now() - t0) / 1000;
  sqlite.close();
  const reader = createHistoryReader(
    { maxCount: 10_000, maxPageBytes: 4 * 1024 * 1024 },
    { store, beforeRead: () => Promise.resolve() },
  );
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const topic = `sensors/${String(i % topics)}/temp`;
    const last = i % 2 === 0 ? undefined : base + Math.floor(perTopic / 2) * 1000;
    const s = performance.now();
    const got = (await reader.read(SK, { topic, count: 100, last })).messages;
    times.push(performance.now() - s);
    const expected = Math.min(100, last === undefined ? perTopic : Math.floor(perTopic / 2));
    if (got.length !== expected) throw new Error(`query returned ${String(got.length)} rows`);
  }
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  return { rows: perTopic * topics, loadSeconds, p50: pct(0.5), p99: pct(0.99) };
}

// ---------------------------------------------------------------- report

/** Runs both parts and prints their figures; resolves with them for bench/run.ts. */
export async function runHistoryBench(
  options: { messages?: number; rows?: number; rounds?: number } = {},
): Promise<Record<string, number>> {
  const messages = options.messages ?? Number(process.env.HISTORY_BENCH_MESSAGES ?? 200_000);
  const rows = options.rows ?? Number(process.env.HISTORY_BENCH_ROWS ?? 10_000_000);
  const rounds = options.rounds ?? Number(process.env.HISTORY_BENCH_ROUNDS ?? 3);
  const publishers = 8;
  const figures: Record<string, number> = {};
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`history bench: fan-in ${String(messages)} msgs x ${String(rounds)} rounds per mode, 64-byte payloads`);
  for (const qos of [0, 1] as const) {
    const job = { publishers, perPublisher: Math.floor(messages / publishers), qos, payloadBytes: 64 };
    const off: FanInResult[] = [];
    const on: FanInResult[] = [];
    for (let r = 0; r < rounds; r++) {
      off.push(await fanIn(job, false));
      on.push(await fanIn(job, true));
    }
    const best = (xs: FanInResult[]) => Math.max(...xs.map((x) => x.msgPerSec));
    const leastBusy = (xs: FanInResult[]) => Math.min(...xs.map((x) => x.busyMicros));
    const offRate = best(off);
    const onRate = best(on);
    const sent = job.publishers * job.perPublisher;
    const lost = Math.max(...on.map((x) => sent - (x.stored ?? 0)));
    const q = `fanin_qos${String(qos)}`;
    figures[`${q}_off_msg_s`] = Math.round(offRate);
    figures[`${q}_on_msg_s`] = Math.round(onRate);
    figures[`${q}_ratio`] = onRate / offRate;
    figures[`${q}_lost`] = lost;
    figures[`${q}_busy_us_off`] = leastBusy(off);
    figures[`${q}_busy_us_on`] = leastBusy(on);
    out(
      `  fan-in QoS ${String(qos)}: capture off ${offRate.toFixed(0)} msg/s, on ${onRate.toFixed(0)} msg/s, ` +
        `ratio ${(onRate / offRate).toFixed(2)} (target >= 0.85); stored/sent worst round ${String(sent - lost)}/${String(sent)}` +
        (lost === 0 ? ' (nothing lost)' : ` (${String(lost)} LOST)`),
    );
    out(
      `    broker thread CPU per message: off ${leastBusy(off).toFixed(2)} us, on ${leastBusy(on).toFixed(2)} us ` +
        `(ratio ${(leastBusy(off) / leastBusy(on)).toFixed(2)}: what capture costs the publish path itself)`,
    );
  }
  const topics = 1000;
  const small = await queryLatency(10_000, 100, 10, 2000);
  const big = await queryLatency(rows, topics, 10, 2000);
  const single = await queryLatency(Math.min(rows, 1_000_000), topics, 1, 2000);
  figures.query_one_per_segment_p99_ms = single.p99;
  figures.query_small_p99_ms = small.p99;
  figures.query_big_p50_ms = big.p50;
  figures.query_big_p99_ms = big.p99;
  figures.query_big_load_s = big.loadSeconds;
  out(
    `  last 100 of one topic: ${String(small.rows)} rows p50 ${small.p50.toFixed(3)} ms p99 ${small.p99.toFixed(3)} ms (baseline); ` +
      `${String(big.rows)} rows (loaded in ${big.loadSeconds.toFixed(1)} s) p50 ${big.p50.toFixed(3)} ms p99 ${big.p99.toFixed(3)} ms ` +
      `(target < 5 ms), ratio p99 ${(big.p99 / small.p99).toFixed(2)}`,
  );
  out(
    `  worst case, one message per segment: ${String(single.rows)} rows p50 ${single.p50.toFixed(3)} ms p99 ${single.p99.toFixed(3)} ms`,
  );
  return figures;
}

if (!isMainThread && parentPort !== null && (workerData as LoadJob | null)?.port !== undefined) {
  await loadWorker(workerData as LoadJob, parentPort);
} else if (
  isMainThread &&
  process.argv[1] !== undefined &&
  fileURLToPath(import.meta.url) === process.argv[1]
) {
  await runHistoryBench();
}
