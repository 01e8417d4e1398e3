// One platform setup for the benches: a whole platform on 127.0.0.1 in a temp data dir, silent, with the bench
// developer as admin; HTTP on an ephemeral port, the MQTT listeners named in `mqtt` ephemeral and the others off.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../services/config/load.js';
import { createMemoryLog } from '../../services/kernel/log.js';
import { createPlatform, type Platform, type Ports } from '../../services/platform.js';

const BENCH_EMAIL = 'bench@isobar.local';

const MQTT_LISTENERS = [
  'tcpPort',
  'tlsPort',
  'wsPort',
  'wssPort',
  'authPort',
  'authTlsPort',
  'authWsPort',
  'authWssPort',
] as const;

export interface BenchPlatform {
  readonly platform: Platform;
  readonly ports: Ports;
  readonly dataDir: string;
  /** Closes the platform and removes its data dir. */
  close(): Promise<void>;
}

/** Creates and starts the bench platform; `name` tags its temp data dir. */
export async function startBenchPlatform(
  name: string,
  options: { mqtt?: readonly (typeof MQTT_LISTENERS)[number][]; password?: string } = {},
): Promise<BenchPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), `isobar-bench-${name}-`));
  const overrides: Record<string, string | number> = {
    dataDir,
    host: '127.0.0.1',
    'http.port': 0,
    'log.level': 'silent',
    'admin.email': BENCH_EMAIL,
    'admin.password': options.password ?? 'bench-pass-1',
  };
  for (const k of MQTT_LISTENERS) overrides[`mqtt.${k}`] = options.mqtt?.includes(k) === true ? 0 : -1;
  const platform = await createPlatform(loadConfig({ env: {}, overrides }), {
    log: createMemoryLog(),
    quiet: true,
  });
  const close = async (): Promise<void> => {
    await platform.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    return { platform, ports: await platform.start(), dataDir, close };
  } catch (err) {
    await close();
    throw err;
  }
}
