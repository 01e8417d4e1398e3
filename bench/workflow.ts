// Workflow 1 end to end (DESIGN.md "The two workflows"): an MQTT client publishes `in/<n>`; a Messaging::Publish trigger runs a
// micro service in an isolate that publishes `out/<n>`; an MQTT subscriber receives it. And a stream service
// (DESIGN.md "Measured facts": one crossing per batch): `sin/<n>` reaches a service blocked in a `waitForMessage` loop that parses the
// message and publishes `sout/<n>`. Both measured in the same run against the in-process floor: a plain Node
// handler on the same broker (an internal subscriber on `floor/in/+` that parses and publishes
// `floor/out/<n>`), driven by the same clients.
// Two phases per path: a paced phase at RATE msg/s (latency p50/p99, delivered/sent) and a saturation phase
// (as fast as the path drains with WINDOW messages outstanding: throughput).
// Node-RED 4 + Mosquitto are not installed on this machine, so that comparison is not run.
// Run: npm run bench -- workflow   or   node --no-node-snapshot --import tsx bench/workflow.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { MqttClient } from 'mqtt';
import { createSamples, fmt, table, type Samples } from './lib/stats.js';
import { loadConfig } from '../services/config/load.js';
import { createMemoryLog } from '../services/kernel/log.js';
import { createPlatform, type Platform } from '../services/platform.js';
import {
  connect,
  createWorkspace,
  developerClient,
  type Workspace,
} from '../examples/workflows/workflows.js';

const RATE = Number(process.env.BENCH_RATE ?? 2000);
/** A second paced rate below the engine's ceiling, so latency is measured without a standing queue. */
const LOW_RATE = Number(process.env.BENCH_LOW_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const SATURATION = Number(process.env.BENCH_SATURATION ?? 20000);
const WINDOW = Number(process.env.BENCH_WINDOW ?? 500);

const SERVICE = `function relay(req, resp) {
  ClearBlade.Messaging().publish('out/' + req.params.topic.slice(3), req.params.body);
  resp.success('');
}`;

/** The same parse-and-publish as the floor, in a stream service's waitForMessage loop. */
const STREAM = `function streamRelay(req, resp) {
  var m = ClearBlade.Messaging();
  m.subscribe('sin/+', function () {});
  while (true) {
    m.waitForMessage(['sin/+'], function (err, msg, topic) {
      if (err) return;
      m.publish('sout/' + topic.slice(4), JSON.stringify(JSON.parse(msg)));
    });
  }
}`;

interface PathSpec {
  readonly name: string;
  readonly inPrefix: string;
  readonly outFilter: string;
}

interface Paced {
  readonly sent: number;
  readonly received: number;
  readonly p50: number;
  readonly p99: number;
}

/** Listens on the subscriber; resolves `done` once `expected` arrived or `idleMs` passed without one. */
function receiver(sub: MqttClient, expected: () => number) {
  const latencies: Samples = createSamples();
  let received = 0;
  let wake: (() => void) | undefined;
  sub.on('message', (_topic, payload) => {
    latencies.add(performance.now() - Number(payload.toString('latin1')));
    received++;
    wake?.();
  });
  return {
    latencies,
    get received() {
      return received;
    },
    /** Waits until `expected()` messages arrived, or none for `idleMs`. */
    async drain(idleMs = 2000): Promise<void> {
      while (received < expected()) {
        const before = received;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, idleMs);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        wake = undefined;
        if (received === before) return;
      }
    },
  };
}

/** The send time as text: the trigger hands the body to the service as a UTF-8 string. */
function stamp(): string {
  return performance.now().toFixed(3);
}

function publishOne(pub: MqttClient, path: PathSpec, seq: number): void {
  pub.publish(`${path.inPrefix}${String(seq % 16)}`, stamp(), { qos: 0 });
}

/** The engine's own rate for this service: `invokeService` called directly, 8 at a time. */
async function engineDoor(platform: Platform, systemKey: string, n: number): Promise<number> {
  const caller = { kind: 'developer' as const, id: 'bench', name: '', token: '', systemKey };
  let i = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (i++ < n) {
        await platform.code.invokeService(systemKey, 'relay', { topic: 'none/0', body: '0' }, caller, {
          hop: 0,
        });
      }
    }),
  );
  return n / ((performance.now() - start) / 1000);
}

async function paced(pub: MqttClient, sub: MqttClient, path: PathSpec, rate: number): Promise<Paced> {
  const total = rate * SECONDS;
  let sent = 0;
  const r = receiver(sub, () => total);
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
      while (sent < due) publishOne(pub, path, sent++);
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await r.drain();
  sub.removeAllListeners('message');
  return { sent, received: r.received, p50: r.latencies.percentile(50), p99: r.latencies.percentile(99) };
}

async function saturate(
  pub: MqttClient,
  sub: MqttClient,
  path: PathSpec,
): Promise<{ rate: number; received: number }> {
  let sent = 0;
  const r = receiver(sub, () => SATURATION);
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (sent < SATURATION && sent - r.received < WINDOW) {
        publishOne(pub, path, sent++);
      }
      if (sent >= SATURATION) resolve();
      else setImmediate(pump);
    };
    pump();
  });
  await r.drain();
  const seconds = (performance.now() - start) / 1000;
  sub.removeAllListeners('message');
  return { rate: r.received / seconds, received: r.received };
}

async function setup(platform: Platform, url: string, mqttUrl: string): Promise<Workspace> {
  const dev = await developerClient(url, 'bench@isobar.local', 'bench-pass-1');
  const ws = await createWorkspace(dev, mqttUrl, 'bench');
  await dev.call('POST', `/admin/code/v/1/${ws.systemKey}/relay`, { code: SERVICE, parameters: [] });
  await dev.call('POST', `/admin/triggers/handlers/${ws.systemKey}/relay`, {
    def_module: 'Messaging',
    def_name: 'Publish',
    key_value_pairs: { topic: 'in/+' },
    service_name: 'relay',
  });
  await dev.call('POST', `/admin/code/v/1/${ws.systemKey}/streamRelay`, {
    code: STREAM,
    parameters: [],
    execution_timeout: -1,
    concurrency: 1,
  });
  // The floor: a plain Node handler on the same broker, doing the stream service's work.
  await platform.broker.subscribe(ws.systemKey, 'floor/in/+', (m) => {
    const out = JSON.stringify(JSON.parse(m.payload.toString('utf8')));
    void platform.broker.publish(ws.systemKey, `floor/out/${m.topic.slice(9)}`, out, { qos: 0 });
  });
  // The stream instance subscribes from inside its isolate; wait (bounded) until the broker has it.
  const deadline = performance.now() + 10_000;
  while (!platform.broker.hasSubscribers(ws.systemKey, 'sin/0')) {
    if (performance.now() > deadline) throw new Error('stream service never subscribed');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return ws;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'isobar-bench-workflow-'));
  const ports = ['http.port', 'mqtt.tcpPort'];
  const off = ['mqtt.tlsPort', 'mqtt.wsPort', 'mqtt.wssPort', 'mqtt.authPort', 'mqtt.authTlsPort'];
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      host: '127.0.0.1',
      'admin.email': 'bench@isobar.local',
      'admin.password': 'bench-pass-1',
      'log.level': 'silent',
      ...Object.fromEntries(ports.map((k) => [k, 0])),
      ...Object.fromEntries([...off, 'mqtt.authWsPort', 'mqtt.authWssPort'].map((k) => [k, -1])),
    },
  });
  const platform = await createPlatform(config, { log: createMemoryLog(), quiet: true });
  try {
    const actual = await platform.start();
    const ws = await setup(
      platform,
      `http://127.0.0.1:${String(actual.http)}`,
      `mqtt://127.0.0.1:${String(actual.mqtt)}`,
    );
    const token = ws.dev.headers['ClearBlade-DevToken'];
    const pub = await connect(ws, token, 'bench-pub');
    const sub = await connect(ws, token, 'bench-sub');
    const paths: PathSpec[] = [
      { name: 'floor (Node handler)', inPrefix: 'floor/in/', outFilter: 'floor/out/+' },
      { name: 'workflow 1 (trigger + isolate)', inPrefix: 'in/', outFilter: 'out/+' },
      { name: 'stream service (waitForMessage)', inPrefix: 'sin/', outFilter: 'sout/+' },
    ];
    const results: Array<{
      path: PathSpec;
      high: Paced;
      low: Paced;
      sat: { rate: number; received: number };
    }> = [];
    for (const path of paths) {
      await sub.subscribeAsync(path.outFilter, { qos: 0 });
      await paced(pub, sub, path, LOW_RATE); // warms isolates and JIT; not reported
      const low = await paced(pub, sub, path, LOW_RATE);
      const high = await paced(pub, sub, path, RATE);
      const sat = await saturate(pub, sub, path);
      await sub.unsubscribeAsync(path.outFilter);
      results.push({ path, high, low, sat });
    }
    await Promise.all([pub.endAsync(), sub.endAsync()]);
    const door = await engineDoor(platform, ws.systemKey, Math.min(SATURATION, 4000));

    const f = (n: number, d = 2) => fmt(n, d);
    console.log(
      `\nworkflow 1 bench — paced ${String(LOW_RATE)} and ${String(RATE)} msg/s for ${String(SECONDS)} s each; ` +
        `saturation ${String(SATURATION)} msgs with ${String(WINDOW)} outstanding`,
    );
    const rows: string[][] = [['path @ rate', 'delivered', 'p50 ms', 'p99 ms', 'max msg/s']];
    for (const r of results) {
      for (const [rate, p, max] of [
        [LOW_RATE, r.low, ''],
        [RATE, r.high, f(r.sat.rate, 0)],
      ] as const) {
        rows.push([
          `${r.path.name} @ ${String(rate)}`,
          `${String(p.received)}/${String(p.sent)}`,
          f(p.p50),
          f(p.p99),
          max,
        ]);
      }
    }
    console.log(table(rows));
    const [floor, wf, stream] = results;
    console.log(
      `ratios (workflow / floor): throughput ${f(wf.sat.rate / floor.sat.rate)}x (target >= 0.6); ` +
        `@${String(RATE)}: p50 ${f(wf.high.p50 / floor.high.p50)}x (target <= 1.3), p99 ${f(wf.high.p99)} ms (target <= 1.5); ` +
        `@${String(LOW_RATE)}: p50 ${f(wf.low.p50 / floor.low.p50)}x, p99 ${f(wf.low.p99)} ms`,
    );
    console.log(
      `engine door (invokeService direct, 8 at a time): ${f(door, 0)} runs/s — the ceiling of any trigger path; ` +
        `workflow 1 saturation reaches ${f(wf.sat.rate / door)}x of it`,
    );
    console.log(
      `stream service / floor: throughput ${f(stream.sat.rate / floor.sat.rate)}x (target >= 0.85); ` +
        `@${String(RATE)}: p50 ${f(stream.high.p50 / floor.high.p50)}x (target <= 1.15), p99 ${f(stream.high.p99)} ms (target <= 1)`,
    );
    console.log('Node-RED 4: not installed here; comparison not run.');
    const stats = platform.triggers.dispatcher.stats();
    console.log(
      `dispatcher: completed ${String(stats.completed)}, failed ${String(stats.failed)}, dropped ${String(stats.dropped)}`,
    );
  } finally {
    await platform.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
