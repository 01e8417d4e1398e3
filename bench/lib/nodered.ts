// Node-RED 4 behind Debian's Mosquitto, as the workflow-1 baseline teams use today (adapted from
// shared/bench/nodered/): `mqtt in` (in/#, QoS 0) → a function node running the same work → `mqtt out`.
// Node-RED is installed by the bench itself into bench/.nodered/ (gitignored), never a project dependency;
// Mosquitto comes from `apt-get install -y mosquitto`. Both run pinned to the cores the bench names.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_RED_FUNCTION } from './workflow-work.js';

export const MOSQUITTO = '/usr/sbin/mosquitto';
const NODE_RED_DIR = fileURLToPath(new URL('../.nodered/', import.meta.url));
const RED_JS = join(NODE_RED_DIR, 'node_modules', 'node-red', 'red.js');

export interface NodeRed {
  readonly port: number;
  /** Process ids of Mosquitto and Node-RED, for their CPU. */
  readonly pids: readonly number[];
  close(): Promise<void>;
}

/** A free loopback port (closed again before use; the bench alone runs here). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Installs node-red@4 into bench/.nodered when it is not there yet (npm, a few minutes the first time). */
export function ensureNodeRed(): void {
  if (existsSync(RED_JS)) return;
  console.log('installing node-red@4 into bench/.nodered (first run only) ...');
  execFileSync('npm', ['install', '--prefix', NODE_RED_DIR, 'node-red@4', '--no-audit', '--no-fund'], {
    stdio: 'inherit',
  });
}

/** The flow of shared/bench/nodered/make-flow.mjs with the bench's function body. */
function flow(port: number): unknown[] {
  return [
    { id: 'tab1', type: 'tab', label: 'bench', disabled: false, info: '' },
    {
      id: 'broker1',
      type: 'mqtt-broker',
      name: 'local',
      broker: '127.0.0.1',
      port: String(port),
      clientid: '',
      autoConnect: true,
      usetls: false,
      protocolVersion: '4',
      keepalive: '60',
      cleansession: true,
      autoUnsubscribe: true,
    },
    {
      id: 'in1',
      type: 'mqtt in',
      z: 'tab1',
      topic: 'in/#',
      qos: '0',
      datatype: 'utf8',
      broker: 'broker1',
      nl: false,
      rap: true,
      rh: 0,
      inputs: 0,
      wires: [['fn1']],
    },
    {
      id: 'fn1',
      type: 'function',
      z: 'tab1',
      name: 'service',
      func: NODE_RED_FUNCTION,
      outputs: 1,
      timeout: 0,
      noerr: 0,
      initialize: '',
      finalize: '',
      libs: [],
      wires: [['out1']],
    },
    {
      id: 'out1',
      type: 'mqtt out',
      z: 'tab1',
      topic: '',
      qos: '0',
      retain: 'false',
      broker: 'broker1',
      wires: [],
    },
  ];
}

/** Headless settings of shared/bench/nodered/settings.cjs: no editor, warn-level logs, no telemetry. */
function settings(uiPort: number): string {
  return `module.exports = ${JSON.stringify({
    uiHost: '127.0.0.1',
    uiPort,
    httpAdminRoot: false,
    httpNodeRoot: false,
    logging: { console: { level: 'warn', metrics: false, audit: false } },
    telemetry: { enabled: false },
    diagnostics: { enabled: false, ui: false },
    runtimeState: { enabled: false, ui: false },
    externalModules: {
      autoInstall: false,
      palette: { allowInstall: false },
      modules: { allowInstall: false },
    },
    functionExternalModules: false,
    functionTimeout: 0,
    editorTheme: { projects: { enabled: false } },
  })};\n`;
}

/** Starts Mosquitto and Node-RED on `cpus` (a taskset list); the caller waits for the flow to answer. */
export async function startNodeRed(cpus: string): Promise<NodeRed> {
  ensureNodeRed();
  const dir = mkdtempSync(join(tmpdir(), 'isobar-bench-nodered-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'mosquitto.conf'),
    [
      `listener ${String(port)} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'log_dest none',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'settings.cjs'), settings(await freePort()));
  writeFileSync(join(dir, 'flows.json'), JSON.stringify(flow(port)));
  const mosquitto = spawn('taskset', ['-c', cpus, MOSQUITTO, '-c', join(dir, 'mosquitto.conf')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const red = spawn(
    'taskset',
    [
      '-c',
      cpus,
      process.execPath,
      RED_JS,
      '--settings',
      join(dir, 'settings.cjs'),
      '--userDir',
      dir,
      'flows.json',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], cwd: dir },
  );
  const stop = async (child: ChildProcess) => {
    if (child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  return {
    port,
    pids: [mosquitto.pid ?? 0, red.pid ?? 0],
    async close() {
      await stop(red);
      await stop(mosquitto);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
