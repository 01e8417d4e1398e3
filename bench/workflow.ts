// Workflow 1 end to end (DESIGN.md "The two workflows") against two baselines in the same run, every system
// doing the same work (bench/lib/workflow-work.ts: parse a JSON reading, convert, publish the result):
//   floor      — a plain Node handler on Isobar's own broker (an internal subscriber on floor/in/+);
//   workflow 1 — in/<n> → Messaging::Publish trigger → micro service in an isolate → out/<n>;
//   stream     — a stream service's waitForMessage loop (sin/<n> → sout/<n>);
//   Node-RED   — Node-RED 4's function node behind Debian's Mosquitto (installed into bench/.nodered).
// Each system runs in its own processes pinned to SYSTEM_CPUS (default core 0: Isobar's platform process with
// all its isolate threads; Mosquitto + Node-RED), the load generator (raw-socket MQTT, this process) to
// LOAD_CPUS (core 1). Per path: a warm-up, a paced phase at RATE msg/s (delivered/sent, p50/p99), and a
// saturation phase (SATURATION messages, WINDOW outstanding: max msg/s and the system's CPU per message,
// from /proc). BENCH_ROUNDS rounds alternate the systems; each figure is the best over rounds for every path.
// BENCH_CHILD_FLAGS adds node flags to the platform process (e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof').
// Run: npm run bench -- workflow   or   node --no-node-snapshot --import tsx bench/workflow.ts
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  openLane,
  paced,
  processCpu,
  saturate,
  waitUntilAnswering,
  type Paced,
  type Target,
} from './lib/load.js';
import { MOSQUITTO, startNodeRed, type NodeRed } from './lib/nodered.js';
import { fmt, table } from './lib/stats.js';
import type { DispatcherStats } from '../services/automation/dispatcher.js';
import type { EngineStats } from '../engine/types.js';

/** The platform child's counters: dispatcher, engine, CPU ticks per thread name. */
type ChildStats = DispatcherStats & { engine: EngineStats; threads: Record<string, number> };

const RATE = Number(process.env.BENCH_RATE ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const SATURATION = Number(process.env.BENCH_SATURATION ?? 30000);
const WINDOW = Number(process.env.BENCH_WINDOW ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const SYSTEM_CPUS = process.env.BENCH_SYSTEM_CPUS ?? '0';
const LOAD_CPUS = process.env.BENCH_LOAD_CPUS ?? '1';

interface PathSpec {
  readonly name: string;
  readonly target: Target;
  readonly pids: readonly number[];
}

interface Figures {
  high: Paced;
  rate: number;
  cpuPerMsg: number;
}

/** What bench/lib/workflow-child.ts sends once set up: its MQTT port and the system the paths run in. */
interface ChildReady {
  readonly port: number;
  readonly systemKey: string;
  readonly token: string;
}

interface IsobarChild extends ChildReady {
  readonly pid: number;
  stats(): Promise<ChildStats>;
  close(): Promise<void>;
}

/** Starts bench/lib/workflow-child.ts pinned to SYSTEM_CPUS and waits for its set-up. */
async function startIsobar(): Promise<IsobarChild> {
  const script = fileURLToPath(new URL('./lib/workflow-child.ts', import.meta.url));
  const child: ChildProcess = spawn(
    'taskset',
    [
      '-c',
      SYSTEM_CPUS,
      process.execPath,
      '--no-node-snapshot',
      ...(process.env.BENCH_CHILD_FLAGS ?? '').split(' ').filter((f) => f !== ''),
      '--import',
      'tsx',
      script,
    ],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], cwd: fileURLToPath(new URL('..', import.meta.url)) },
  );
  const next = <T>(key: string) =>
    new Promise<T>((resolve, reject) => {
      const on = (msg: Record<string, unknown>) => {
        if (key in msg) {
          child.removeListener('message', on);
          resolve(msg[key] as T);
        }
      };
      child.on('message', on);
      child.once('exit', (code) => reject(new Error(`platform child exited (${String(code)})`)));
    });
  const ready = await next<ChildReady>('ready');
  return {
    ...ready,
    pid: child.pid ?? 0,
    stats() {
      const answer = next<ChildStats>('stats');
      child.send({ cmd: 'stats' });
      return answer;
    },
    async close() {
      const exited = once(child, 'exit');
      child.send({ cmd: 'close' });
      await exited;
    },
  };
}

/** Warm-up, paced phase, saturation phase on fresh clients; CPU of the path's processes while saturated. */
async function measure(path: PathSpec): Promise<Figures> {
  const lane = await openLane(path.target);
  try {
    await waitUntilAnswering(lane, path.target);
    await paced(lane, path.target, 500, 1); // JIT, isolates and contexts warm; not reported
    const high = await paced(lane, path.target, RATE, SECONDS);
    const cpu0 = path.pids.reduce((s, pid) => s + processCpu(pid), 0);
    const sat = await saturate(lane, path.target, SATURATION, WINDOW);
    const cpu1 = path.pids.reduce((s, pid) => s + processCpu(pid), 0);
    return { high, rate: sat.rate, cpuPerMsg: (cpu1 - cpu0) / Math.max(1, sat.received) };
  } finally {
    lane.close();
  }
}

/** Keeps, per figure, the better of two rounds. */
function best(a: Figures | undefined, b: Figures): Figures {
  if (a === undefined) return b;
  return {
    high: a.high.p50 <= b.high.p50 ? a.high : b.high,
    rate: Math.max(a.rate, b.rate),
    cpuPerMsg: Math.min(a.cpuPerMsg, b.cpuPerMsg),
  };
}

const DEBUG = process.env.BENCH_DEBUG === '1';

/** BENCH_DEBUG: crossings and runs of a path's measurement, and where the platform's CPU went (by thread). */
function spent(a: ChildStats, b: ChildStats): string {
  const runs = b.engine.warmRuns - a.engine.warmRuns;
  const batches = b.engine.batches - a.engine.batches;
  const batched = b.engine.batchedRuns - a.engine.batchedRuns;
  const threads = Object.entries(b.threads)
    .map(([k, v]) => [k, v - (a.threads[k] ?? 0)] as const)
    .filter(([, v]) => v > 0)
    .sort((x, y) => y[1] - x[1])
    .map(([k, v]) => `${k} ${(v / 100).toFixed(2)}s`);
  return (
    `warm runs ${String(runs)}, crossings ${String(runs - batched + batches)} (${String(batches)} batches of ` +
    `${(batched / Math.max(1, batches)).toFixed(1)}), contexts built ${String(b.engine.contextsBuilt - a.engine.contextsBuilt)} ` +
    `(recycled ${JSON.stringify(b.engine.recycled)}); ` +
    `CPU ${threads.join(', ')}`
  );
}

async function main(): Promise<void> {
  execFileSync('taskset', ['-a', '-cp', LOAD_CPUS, String(process.pid)], { stdio: 'ignore' });
  const load = loadavg().map((l) => l.toFixed(2));
  const isobar = await startIsobar();
  const withNodeRed = existsSync(MOSQUITTO);
  let red: NodeRed | undefined;
  try {
    if (withNodeRed) red = await startNodeRed(SYSTEM_CPUS);
    else console.log(`${MOSQUITTO} missing (apt-get install -y mosquitto): Node-RED not measured`);
    const auth = { port: isobar.port, username: isobar.token, password: isobar.systemKey };
    const paths: PathSpec[] = [
      {
        name: 'floor (Node handler)',
        target: { ...auth, inPrefix: 'floor/in/', outFilter: 'floor/out/+' },
        pids: [isobar.pid],
      },
      {
        name: 'workflow 1 (trigger)',
        target: { ...auth, inPrefix: 'in/', outFilter: 'out/+' },
        pids: [isobar.pid],
      },
      {
        name: 'stream service',
        target: { ...auth, inPrefix: 'sin/', outFilter: 'sout/+' },
        pids: [isobar.pid],
      },
    ];
    if (red !== undefined) {
      paths.push({
        name: 'Node-RED + Mosquitto',
        target: { port: red.port, inPrefix: 'in/', outFilter: 'out/+' },
        pids: red.pids,
      });
    }
    // BENCH_PATHS=workflow,floor measures some paths only (e.g. under a profiler); ratios need both sides.
    const only = (process.env.BENCH_PATHS ?? '').split(',').filter((p) => p !== '');
    if (only.length > 0)
      paths.splice(0, paths.length, ...paths.filter((p) => only.some((o) => p.name.includes(o))));
    const results = new Map<string, Figures>();
    const before = await isobar.stats();
    for (let round = 0; round < ROUNDS; round++) {
      for (const path of round % 2 === 0 ? paths : [...paths].reverse()) {
        const s0 = DEBUG && path.pids.includes(isobar.pid) ? await isobar.stats() : undefined;
        const f = await measure(path);
        if (s0 !== undefined) console.log(`  ${path.name}: ${spent(s0, await isobar.stats())}`);
        console.log(
          `round ${String(round + 1)} ${path.name}: @${String(RATE)} ${String(f.high.received)}/${String(f.high.sent)} ` +
            `p50 ${fmt(f.high.p50, 3)} p99 ${fmt(f.high.p99, 3)} ms; max ${fmt(f.rate)} msg/s; ${fmt(f.cpuPerMsg, 1)} µs CPU/msg`,
        );
        results.set(path.name, best(results.get(path.name), f));
      }
    }
    const after = await isobar.stats();
    console.log(
      `\nworkflow bench — load average at start ${load.join(' ')}; systems on CPU ${SYSTEM_CPUS}, load on CPU ${LOAD_CPUS}; ` +
        `paced ${String(RATE)} msg/s for ${String(SECONDS)} s; saturation ${String(SATURATION)} msgs, ${String(WINDOW)} outstanding; ` +
        `best of ${String(ROUNDS)} rounds`,
    );
    const rows = [['path', `delivered @${String(RATE)}`, 'p50 ms', 'p99 ms', 'max msg/s', 'CPU µs/msg']];
    for (const path of paths) {
      const r = results.get(path.name);
      if (r !== undefined)
        rows.push([
          path.name,
          `${String(r.high.received)}/${String(r.high.sent)}`,
          fmt(r.high.p50, 3),
          fmt(r.high.p99, 3),
          fmt(r.rate),
          fmt(r.cpuPerMsg, 1),
        ]);
    }
    console.log(table(rows));
    const floor = results.get('floor (Node handler)');
    const wf = results.get('workflow 1 (trigger)');
    const stream = results.get('stream service');
    const nr = results.get('Node-RED + Mosquitto');
    const f2 = (n: number) => fmt(n, 2);
    if (floor !== undefined && wf !== undefined)
      console.log(
        `workflow 1 / floor: throughput ${f2(wf.rate / floor.rate)}x (target >= 0.6); @${String(RATE)}: ` +
          `dropped ${String(wf.high.sent - wf.high.received)} (target 0), p50 ${f2(wf.high.p50 / floor.high.p50)}x (target <= 1.3), ` +
          `p99 ${fmt(wf.high.p99, 3)} ms (target <= 1.5); CPU/msg ${f2(wf.cpuPerMsg / floor.cpuPerMsg)}x`,
      );
    if (floor !== undefined && stream !== undefined)
      console.log(
        `stream / floor: throughput ${f2(stream.rate / floor.rate)}x (target >= 0.85); @${String(RATE)}: ` +
          `p50 ${f2(stream.high.p50 / floor.high.p50)}x (target <= 1.3)`,
      );
    if (nr !== undefined && wf !== undefined && floor !== undefined) {
      console.log(
        `workflow 1 / Node-RED: throughput ${f2(wf.rate / nr.rate)}x (target >= 2.5); CPU/msg ${f2(wf.cpuPerMsg / nr.cpuPerMsg)}x; ` +
          `floor / Node-RED ${f2(floor.rate / nr.rate)}x`,
      );
    }
    console.log(
      `dispatcher during the run: completed ${String(after.completed - before.completed)}, ` +
        `failed ${String(after.failed - before.failed)}, dropped ${String(after.dropped - before.dropped)}`,
    );
  } finally {
    await red?.close();
    await isobar.close();
  }
}

await main();
