// Code-engine benchmark (the engine figures and the stream-loop microbench of DESIGN.md "Measured facts"), in one process, no broker:
//  1. a new service version ready: `engine.prepare` p50/p99 (target p99 <= 2 ms), and a first run after it;
//  2. memory for 1,000 idle stream services (each in its own 8 MB-limit isolate, blocked in waitForMessage):
//     RSS growth and threads (target <= 2 GB);
//  3. micro runs/s of a trivial service through `engine.invoke` (a fresh context each), 1 and 8 at a time, with the
//     process CPU per run, against the floor of that rule: a bare V8 context created and released per run;
//  4. a waitForMessage loop (parse 1 KB JSON, compute, publish) fed by an in-memory host, against a plain
//     in-process handler doing the same work: throughput ratio, and one-at-a-time round-trip latency.
// Run: npm run bench -- engine   or   node --no-node-snapshot --import tsx bench/engine.ts
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createEngine } from '../engine/index.js';
import { createBlank } from '../engine/sandbox.js';
import type { Caller, Engine, Host, InvokeRequest, ServiceVersion } from '../engine/types.js';
import { silentLog } from '../runtime-api/log.js';
import { topicMatches } from '../runtime-api/topics.js';
import { systemClock } from '../services/kernel/clock.js';
import { createSamples, fmt, table } from './lib/stats.js';

const SYSTEM_KEY = 'benchsystemkey0000000000000001';
const caller: Caller = {
  kind: 'user',
  id: 'u1',
  name: 'bench@example.com',
  token: 't',
  systemKey: SYSTEM_KEY,
};
const request: InvokeRequest = { params: {}, caller, runAs: caller, systemSecret: 'SECRET' };

/** A Host that keeps subscriptions in memory and counts publishes; `onPublish` sees each one. */
function memoryHost() {
  const subs = new Set<{ filter: string; onMessage: (topic: string, payload: string) => void }>();
  const state = {
    published: 0,
    onPublish: (_topic: string, _payload: string | Uint8Array) => {},
    subscriptions: () => subs.size,
    feed(topic: string, payload: string) {
      for (const s of subs) if (topicMatches(s.filter, topic)) s.onMessage(topic, payload);
    },
  };
  const host: Host = {
    async publish(_ctx, topic, payload) {
      state.published++;
      state.onPublish(topic, payload);
    },
    async subscribe(_ctx, filter, onMessage) {
      const sub = { filter, onMessage };
      subs.add(sub);
      return async () => {
        subs.delete(sub);
      };
    },
    async execute() {
      throw new Error('not in this bench');
    },
    async call() {
      return null;
    },
    log() {},
  };
  return { host, state };
}

const version = (name: string, code: string, over: Partial<ServiceVersion> = {}): ServiceVersion => ({
  systemKey: SYSTEM_KEY,
  name,
  version: 1,
  code,
  executionTimeout: 60,
  memoryLimitMb: 8,
  concurrency: 1,
  autoRestart: false,
  loggingEnabled: false,
  ...over,
});

const rssMb = () => process.memoryUsage().rss / 2 ** 20;
const threads = () => Number(/Threads:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN);
const waitFor = async (check: () => boolean, ms: number) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('bench timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

async function benchPrepare(engine: Engine): Promise<string[][]> {
  const code = (name: string) =>
    `function ${name}(req, resp) { var x = req.params.n || 1; resp.success(x * 2); }`;
  for (let i = 0; i < 20; i++) await engine.prepare(version(`Warm${i}`, code(`Warm${i}`)));
  const rows: string[][] = [];
  for (const gapMs of [5, 0]) {
    const prep = createSamples();
    const first = createSamples();
    for (let i = 0; i < 300; i++) {
      const v = version(`Svc${gapMs}_${i}`, code(`Svc${gapMs}_${i}`), { version: i + 1 });
      if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
      let t = performance.now();
      await engine.prepare(v);
      prep.add(performance.now() - t);
      t = performance.now();
      await engine.invoke(v, request);
      first.add(performance.now() - t);
      engine.retire(SYSTEM_KEY, v.name);
    }
    const label = gapMs > 0 ? `a new version every ${gapMs} ms` : 'versions back to back';
    rows.push([
      `ready (prepare), ${label}`,
      fmt(prep.percentile(50), 2),
      fmt(prep.percentile(99), 2),
      '<= 2 ms p99',
    ]);
    rows.push([
      `first run after it, ${label}`,
      fmt(first.percentile(50), 2),
      fmt(first.percentile(99), 2),
      '',
    ]);
  }
  return rows;
}

/** Runs `fn` from `concurrency` loops for `ms`; answers runs/s and process CPU (all threads) per run in ms. */
async function rate(fn: () => Promise<unknown>, concurrency: number, ms: number) {
  const end = performance.now() + ms;
  let n = 0;
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await fn();
        n++;
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { perS: n / ((performance.now() - t) / 1000), cpuMs: (cpu.user + cpu.system) / 1000 / n };
}

async function benchInvoke(): Promise<string[][]> {
  const { host } = memoryHost();
  const engine = await createEngine(
    { defaults: { memoryLimitMb: 64, executionTimeoutS: 60 } },
    { host, log: silentLog, clock: systemClock },
  );
  const v = version('Add', 'function Add(req, resp) { resp.success(req.params.lhs + req.params.rhs); }', {
    memoryLimitMb: 64,
  });
  // The same service with strict isolation: a fresh context per run, as before warm runs.
  const strict = version('AddStrict', v.code.replace('Add(', 'AddStrict('), {
    memoryLimitMb: 64,
    strictIsolation: true,
  });
  const add: InvokeRequest = { ...request, params: { lhs: 3, rhs: 4 } };
  await engine.prepare(v);
  await engine.prepare(strict);
  const blanks = await Promise.all(Array.from({ length: 8 }, () => createBlank(64, () => {})));
  const rows: string[][] = [];
  for (const concurrency of [1, 8]) {
    await rate(() => engine.invoke(v, add), concurrency, 500); // warm-up: isolates and their reserves
    let next = 0;
    const bare = async () => {
      const context = await blanks[next++ % concurrency].isolate.createContext();
      context.release();
    };
    const floor = await rate(bare, concurrency, 2000);
    for (const [label, s] of [
      ['warm', v],
      ['strict', strict],
    ] as const) {
      await rate(() => engine.invoke(s, add), concurrency, 300);
      const runs = await rate(() => engine.invoke(s, add), concurrency, 3000);
      rows.push([
        `micro runs (${label}), ${concurrency} at a time (runs/s; CPU ms per run)`,
        `${fmt(runs.perS)}; ${fmt(runs.cpuMs, 2)}`,
        `${fmt(floor.perS)}; ${fmt(floor.cpuMs, 2)}`,
        fmt(runs.perS / floor.perS, 2),
      ]);
    }
  }
  for (const b of blanks) b.isolate.dispose();
  await engine.close();
  return rows;
}

async function benchIdleStreams(count: number): Promise<string[][]> {
  const { host, state } = memoryHost();
  const engine = await createEngine(
    { defaults: { memoryLimitMb: 8, executionTimeoutS: 60 } },
    { host, log: silentLog, clock: systemClock },
  );
  const code = (i: number) =>
    `function Idle${i}(req, resp) { var m = ClearBlade.Messaging(); m.subscribe("idle/${i}", function () {});` +
    ` while (true) m.waitForMessage(["idle/${i}"], function (e, msg) { m.publish("idle/out", msg); }); }`;
  (globalThis as { gc?: () => void }).gc?.();
  const before = rssMb();
  const threadsBefore = threads();
  const t = performance.now();
  for (let i = 0; i < count; i++)
    await engine.startStream(version(`Idle${i}`, code(i), { executionTimeout: -1 }), request);
  await waitFor(() => state.subscriptions() === count, 120_000);
  const startMs = performance.now() - t;
  await new Promise((r) => setTimeout(r, 500));
  const after = rssMb();
  const threadsAfter = threads();
  state.feed(`idle/${count - 1}`, 'ping');
  await waitFor(() => state.published === 1, 5000);
  const t2 = performance.now();
  await engine.close();
  const closeMs = performance.now() - t2;
  return [
    [
      `RSS growth, ${count} idle stream services`,
      `${fmt(after - before)} MB`,
      `${fmt(((after - before) * 1024) / count)} KB each`,
      '<= 2 GB',
    ],
    ['threads (isolates blocked in waitForMessage)', `${threadsBefore} -> ${threadsAfter}`, '', ''],
    ['start all / close all', `${fmt(startMs)} ms`, `${fmt(closeMs)} ms`, ''],
  ];
}

const MESSAGE = JSON.stringify({
  device: 'sensor-7',
  readings: Array.from({ length: 24 }, (_, i) => ({
    t: 1_700_000_000 + i,
    celsius: 20 + (i % 7),
    humidity: 40 + (i % 5),
  })),
});

/** The work both sides do per message: parse, average, publish an alert object. */
const WORK = `var r = JSON.parse(msg); var sum = 0; for (var i = 0; i < r.readings.length; i++) sum += r.readings[i].celsius;
  var avg = sum / r.readings.length; m.publish("out/" + r.device, JSON.stringify({ device: r.device, avg: avg, hot: avg > 22 }));`;

async function benchLoop(n: number): Promise<string[][]> {
  const { host, state } = memoryHost();
  const engine = await createEngine(
    { defaults: { memoryLimitMb: 64, executionTimeoutS: 60 } },
    { host, log: silentLog, clock: systemClock },
  );
  const code = `function Loop(req, resp) { var m = ClearBlade.Messaging(); m.subscribe("in/+", function () {});
    while (true) m.waitForMessage(["in/+"], function (err, msg, topic) { ${WORK} }); }`;
  await engine.startStream(version('Loop', code, { executionTimeout: -1, memoryLimitMb: 64 }), request);
  await waitFor(() => state.subscriptions() === 1, 5000);

  // In-process floor: the same work as a plain handler of the same in-memory host.
  const plain = (msg: string) => {
    const m = {
      publish: (topic: string, payload: string) => void host.publish({} as never, topic, payload, 0, false),
    };
    const r = JSON.parse(msg) as { device: string; readings: Array<{ celsius: number }> };
    let sum = 0;
    for (let i = 0; i < r.readings.length; i++) sum += r.readings[i].celsius;
    const avg = sum / r.readings.length;
    m.publish('out/' + r.device, JSON.stringify({ device: r.device, avg, hot: avg > 22 }));
  };

  /** Feeds n messages keeping at most `window` unanswered (a closed loop: nothing is dropped). */
  const throughput = async (deliver: (payload: string) => void, window: number) => {
    const start = state.published;
    let fed = 0;
    let wake: (() => void) | undefined;
    state.onPublish = () => wake?.();
    const t = performance.now();
    while (fed < n) {
      while (fed < n && fed - (state.published - start) < window) {
        deliver(MESSAGE);
        fed++;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setImmediate(resolve);
      });
    }
    await waitFor(() => state.published - start >= n, 60_000);
    state.onPublish = () => {};
    return n / ((performance.now() - t) / 1000);
  };
  const latency = async (deliver: (payload: string) => void, rounds: number) => {
    const samples = createSamples();
    for (let i = 0; i < rounds; i++) {
      const t = performance.now();
      const got = new Promise<void>((resolve) => (state.onPublish = () => resolve()));
      deliver(MESSAGE);
      await got;
      samples.add((performance.now() - t) * 1000);
    }
    state.onPublish = () => {};
    return samples;
  };
  const viaEngine = (payload: string) => state.feed('in/1', payload);
  const viaPlain = (payload: string) => setImmediate(plain, payload);

  await throughput(viaEngine, 100); // warm-up
  await throughput(viaPlain, 100);
  const rows: string[][] = [];
  for (const window of [1, 16, 256]) {
    const floor = await throughput(viaPlain, window);
    const isolate = await throughput(viaEngine, window);
    rows.push([
      `waitForMessage loop, ${window} in flight (msg/s)`,
      fmt(isolate),
      fmt(floor),
      fmt(isolate / floor, 2),
    ]);
  }
  const latPlain = await latency(viaPlain, 2000);
  const latEngine = await latency(viaEngine, 2000);
  rows.push([
    'one at a time, round trip p50 / p99 (µs)',
    `${fmt(latEngine.percentile(50))} / ${fmt(latEngine.percentile(99))}`,
    `${fmt(latPlain.percentile(50))} / ${fmt(latPlain.percentile(99))}`,
    fmt(latEngine.percentile(50) / latPlain.percentile(50), 2),
  ]);
  await engine.close();
  return rows;
}

async function main(): Promise<void> {
  const { host } = memoryHost();
  const engine = await createEngine(
    { defaults: { memoryLimitMb: 8, executionTimeoutS: 60 } },
    { host, log: silentLog, clock: systemClock },
  );
  const prepareRows = await benchPrepare(engine);
  await engine.close();
  console.log(table([['figure', 'p50 ms', 'p99 ms', 'target'], ...prepareRows]));
  console.log();
  console.log(
    table([
      ['figure', 'value', '', 'target'],
      ...(await benchIdleStreams(Number(process.env.BENCH_IDLE_STREAMS ?? 1000))),
    ]),
  );
  console.log();
  console.log(table([['figure', 'engine.invoke', 'bare context', 'ratio'], ...(await benchInvoke())]));
  console.log();
  console.log(table([['figure', 'isolate', 'in-process', 'ratio'], ...(await benchLoop(20_000))]));
}

await main();
