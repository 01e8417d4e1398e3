// Engine alone: CPU per trigger-like run through `engine.invokeBatch` (workflow 1's service, BATCH per
// crossing), split by thread (Node's main thread, isolate threads, V8 workers) from /proc/self/task/*/stat.
// Pin it to one core for steadier figures: taskset -c 0 node --no-node-snapshot --import tsx bench/warm-batch.ts
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createEngine } from '../engine/index.js';
import type { Caller, Host, InvokeRequest, ServiceVersion } from '../engine/types.js';
import { silentLog } from '../runtime-api/log.js';
import { systemClock } from '../services/kernel/clock.js';
import { TRIGGER_SOURCE, readingPayload } from './lib/workflow-work.js';

const SYSTEM_KEY = 'benchsystemkey0000000000000001';
const caller: Caller = { kind: 'user', id: 'u1', name: 'b@example.com', token: 't', systemKey: SYSTEM_KEY };
const BATCH = Number(process.env.BENCH_BATCH ?? 16);
const RUNS = Number(process.env.BENCH_RUNS ?? 32_000);

/** CPU ticks (user + system) per thread name, summed. */
function threadTicks(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Worker threads are not named apart on Node 20: Node's main thread against all the others.
      const kind = tid === String(process.pid) ? 'main thread' : 'other threads';
      out.set(kind, (out.get(kind) ?? 0) + Number(f[11]) + Number(f[12]));
    } catch {
      // a thread that ended meanwhile
    }
  }
  return out;
}

async function main(): Promise<void> {
  let published = 0;
  const host: Host = {
    async publish() {
      published++;
    },
    async subscribe() {
      return async () => {};
    },
    async execute() {
      throw new Error('not here');
    },
    async call() {
      return null;
    },
    log() {},
  };
  const engine = await createEngine(
    {
      defaults: { memoryLimitMb: 64, executionTimeoutS: 60 },
      ...(process.env.BENCH_MAX_RUNS ? { warm: { maxRuns: Number(process.env.BENCH_MAX_RUNS) } } : {}),
    },
    { host, log: silentLog, clock: systemClock },
  );
  const v: ServiceVersion = {
    systemKey: SYSTEM_KEY,
    name: 'convert',
    version: 1,
    code: TRIGGER_SOURCE,
    executionTimeout: 60,
    memoryLimitMb: 64,
    concurrency: 1,
    autoRestart: false,
    loggingEnabled: false,
  };
  await engine.prepare(v);
  const reqs = (n: number, base: number): InvokeRequest[] =>
    Array.from({ length: n }, (_, i) => ({
      params: { topic: `in/${i}`, body: readingPayload(base + i, 1).toString() },
      caller,
      runAs: caller,
      systemSecret: 'S',
    }));
  const go = async (runs: number) => {
    for (let i = 0; i < runs; i += BATCH) {
      const r = await engine.invokeBatch(v, reqs(BATCH, i));
      if (r[0]?.success !== true) throw new Error(JSON.stringify(r[0]));
    }
  };
  await go(2000);
  const hz = 100;
  const t0 = threadTicks();
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  await go(RUNS);
  const wall = performance.now() - w0;
  const c = process.cpuUsage(c0);
  const t1 = threadTicks();
  const us = (c.user + c.system) / RUNS;
  const parts = [...t1].map(
    ([k, v1]) => `${k} ${((((v1 - (t0.get(k) ?? 0)) / hz) * 1e6) / RUNS).toFixed(1)}`,
  );
  console.log(
    `batch ${BATCH}: ${(RUNS / (wall / 1000)).toFixed(0)} runs/s, CPU ${us.toFixed(1)} µs/run (${parts.join(', ')}), published ${published}, stats ${JSON.stringify(engine.stats())}`,
  );
  await engine.close();
}

await main();
