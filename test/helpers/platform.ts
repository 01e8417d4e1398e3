import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../services/config/load.js';
import { createMemoryLog } from '../../services/kernel/log.js';
import { createPlatform, type Platform, type Ports } from '../../services/platform.js';
import type { Clock } from '../../services/kernel/clock.js';
import { testDatabaseUrl } from './pg-test-mode.js';

export interface TestPlatform {
  readonly platform: Platform;
  readonly ports: Ports;
  readonly config: Config;
  readonly dataDir: string;
  readonly log: ReturnType<typeof createMemoryLog>;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** Closes the platform; the data dir is kept unless `removeData` (restart tests reuse it). */
  close(options?: { removeData?: boolean }): Promise<void>;
}

/** A fresh temporary data directory. */
export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'isobar-test-'));
}

/** Starts a whole platform on 127.0.0.1 with every port ephemeral (0) and a temp data dir. */
export async function startTestPlatform(
  options: {
    dataDir?: string;
    clock?: Clock;
    overrides?: Record<string, string | number | boolean | undefined>;
    /** Edge mode: this instance runs as edge `name` of the platform at `platformUrl`. */
    edge?: { name: string; platformUrl: string; systemKey: string; token: string };
  } = {},
): Promise<TestPlatform> {
  const dataDir = options.dataDir ?? tempDataDir();
  const ports: Record<string, number> = {};
  for (const key of [
    'http.port',
    'mqtt.tcpPort',
    'mqtt.tlsPort',
    'mqtt.wsPort',
    'mqtt.wssPort',
    'mqtt.authPort',
    'mqtt.authTlsPort',
    'mqtt.authWsPort',
    'mqtt.authWssPort',
  ]) {
    ports[key] = 0;
  }
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      host: '127.0.0.1',
      'admin.email': 'admin@test.local',
      'admin.password': 'admin-pass-1',
      'log.level': 'silent',
      // Throttled logins answer at once in tests (holding them is tested on its own, on a manual clock).
      'identity.loginTarpitMs': 0,
      // ISOBAR_TEST_PG=1: the data dir's own PostgreSQL database (test/helpers/pg-test-mode.ts).
      'store.databaseUrl': await testDatabaseUrl(dataDir),
      ...ports,
      ...(options.edge === undefined
        ? {}
        : {
            'edge.name': options.edge.name,
            'edge.platformUrl': options.edge.platformUrl,
            'edge.systemKey': options.edge.systemKey,
            'edge.token': options.edge.token,
          }),
      ...options.overrides,
    },
  });
  const log = createMemoryLog();
  const platform = await createPlatform(config, { log, clock: options.clock, quiet: true });
  const actual = await platform.start();
  return {
    platform,
    ports: actual,
    config,
    dataDir,
    log,
    url: `http://127.0.0.1:${String(actual.http)}`,
    async close(closeOptions = {}) {
      await platform.close();
      if (closeOptions.removeData === true) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
