// Runs both workflows against a fresh in-process platform and prints what each step produced.
// `node --no-node-snapshot --import tsx examples/workflows/run.ts`
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../services/config/load.js';
import { createLog } from '../../services/kernel/log.js';
import { createPlatform } from '../../services/platform.js';
import {
  createWorkspace,
  developerClient,
  runWorkflow1,
  runWorkflow2,
  setupWorkflow1,
  setupWorkflow2,
} from './workflows.js';

const dataDir = mkdtempSync(join(tmpdir(), 'isobar-workflows-'));
const ports = ['http.port', 'mqtt.tcpPort', 'mqtt.tlsPort', 'mqtt.wsPort', 'mqtt.wssPort'];
const disabled = ['mqtt.authPort', 'mqtt.authTlsPort', 'mqtt.authWsPort', 'mqtt.authWssPort'];
const config = loadConfig({
  env: {},
  overrides: {
    dataDir,
    host: '127.0.0.1',
    'admin.email': 'admin@example.local',
    'admin.password': 'example-pass-1',
    'log.level': 'warn',
    ...Object.fromEntries(ports.map((k) => [k, 0])),
    ...Object.fromEntries(disabled.map((k) => [k, -1])),
  },
});
const platform = await createPlatform(config, { log: createLog('warn'), quiet: true });
try {
  const actual = await platform.start();
  const url = `http://127.0.0.1:${String(actual.http)}`;
  const dev = await developerClient(url, 'admin@example.local', 'example-pass-1');
  const ws = await createWorkspace(dev, `mqtt://127.0.0.1:${String(actual.mqtt)}`);

  const { deviceToken, trigger } = await setupWorkflow1(ws);
  console.log('workflow 1: trigger', JSON.stringify(trigger));
  const alerts = await runWorkflow1(ws, deviceToken, [21, 35, 18, 40], 2);
  for (const a of alerts) console.log(`workflow 1: ${a.topic} ${a.payload}`);

  await setupWorkflow2(ws);
  const { reply, published } = await runWorkflow2(ws, [3, 5, 10]);
  console.log('workflow 2: reply', JSON.stringify(reply));
  console.log(`workflow 2: ${published.topic} ${published.payload}`);
} finally {
  await platform.close();
  rmSync(dataDir, { recursive: true, force: true });
}
