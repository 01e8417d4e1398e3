// The whole Isobar platform in its own process for bench/workflow.ts, so the bench can pin it to one core
// and read its CPU (all threads: Node's, the isolates', the writers') apart from the load generator's.
// It sets up, over its own REST API, the three paths the bench drives, all doing the same work
// (bench/lib/workflow-work.ts: parse a JSON reading, convert to Fahrenheit, publish the result):
//   in/<n>   → Messaging::Publish trigger → micro service `convert` → out/<n>     (workflow 1)
//   sin/<n>  → stream service `streamConvert` in a waitForMessage loop → sout/<n>
//   floor/in/<n> → a plain Node handler (internal subscriber) → floor/out/<n>   (the in-process floor)
// IPC: it sends {ready: {port, systemKey, token}}; {cmd: 'stats'} answers the dispatcher's counters;
// {cmd: 'close'} closes and exits.
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createWorkspace, developerClient } from '../../examples/workflows/workflows.js';
import { convertReading, STREAM_SOURCE, TRIGGER_SOURCE } from './workflow-work.js';
import type { Platform } from '../../services/platform.js';
import { startBenchPlatform } from './platform.js';

/** Pushes the services and the trigger, subscribes the floor, and waits (bounded) for the stream service. */
async function setup(
  platform: Platform,
  http: number,
  mqtt: number,
): Promise<{ systemKey: string; token: string }> {
  const dev = await developerClient(`http://127.0.0.1:${String(http)}`, 'bench@isobar.local', 'bench-pass-1');
  const ws = await createWorkspace(dev, `mqtt://127.0.0.1:${String(mqtt)}`, 'bench');
  const sk = ws.systemKey;
  await dev.call('POST', `/admin/code/v/1/${sk}/convert`, { code: TRIGGER_SOURCE, parameters: [] });
  await dev.call('POST', `/admin/triggers/handlers/${sk}/convertTrigger`, {
    def_module: 'Messaging',
    def_name: 'Publish',
    key_value_pairs: { topic: 'in/+' },
    service_name: 'convert',
  });
  await dev.call('POST', `/admin/code/v/1/${sk}/streamConvert`, {
    code: STREAM_SOURCE,
    parameters: [],
    execution_timeout: -1,
    concurrency: 1,
  });
  await platform.broker.subscribe(sk, 'floor/in/+', (m) => {
    const out = convertReading(m.payload.toString('utf8'));
    void platform.broker.publish(sk, `floor/out/${m.topic.slice(9)}`, out, { qos: 0 });
  });
  // The stream instance subscribes from inside its isolate (bench only: a bounded poll).
  const deadline = performance.now() + 20_000;
  while (!platform.broker.hasSubscribers(sk, 'sin/0')) {
    if (performance.now() > deadline) throw new Error('stream service never subscribed');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return { systemKey: sk, token: ws.dev.headers['ClearBlade-DevToken'] };
}

/** CPU ticks (user + system, 1/100 s) per thread name of this process: where a path's CPU goes. */
function threadTicks(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name =
        tid === String(process.pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[name] = (out[name] ?? 0) + Number(f[11]) + Number(f[12]);
    } catch {
      // a thread that ended meanwhile
    }
  }
  return out;
}

async function main(): Promise<void> {
  const { platform, ports, close } = await startBenchPlatform('workflow', { mqtt: ['tcpPort'] });
  const { systemKey, token } = await setup(platform, ports.http ?? 0, ports.mqtt ?? 0);
  process.on('message', (msg: { cmd: string }) => {
    if (msg.cmd === 'stats')
      process.send?.({
        stats: {
          ...platform.automation.dispatcher.stats(),
          engine: platform.code.engine.stats(),
          threads: threadTicks(),
        },
      });
    else if (msg.cmd === 'close') {
      void close().finally(() => process.exit(0));
    }
  });
  process.send?.({ ready: { port: ports.mqtt, systemKey, token } });
}

await main();
