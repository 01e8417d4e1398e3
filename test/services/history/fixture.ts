// A history component over a real SQLite file in a temp dir (or, with ISOBAR_TEST_PG=1, a PostgreSQL
// database of its own: ./pg.ts), fed BrokerMessages directly.
import { singleNode } from '../../../services/kernel/cluster.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrokerMessage } from '../../../broker/types.js';
import { createManualClock, type ManualClock } from '../../../services/kernel/clock.js';
import { loadConfig } from '../../../services/config/load.js';
import { createPlatformEvents, type PlatformEvents } from '../../../services/kernel/events.js';
import {
  createHistory,
  type HistoryComponent,
  type HistoryOptions,
} from '../../../services/history/component.js';
import type { Principal } from '../../../services/identity/types.js';
import { createMemoryLog } from '../../../services/kernel/log.js';
import { createStore, type Store } from '../../../services/store/index.js';
import { historyDatabaseUrl } from './pg.js';

export const SK = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa01';
export const OTHER_SK = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbb02';

export interface HistoryFixture {
  readonly history: HistoryComponent;
  readonly clock: ManualClock;
  readonly store: Store;
  readonly events: PlatformEvents;
  readonly log: ReturnType<typeof createMemoryLog>;
  readonly dataDir: string;
  /** Captures one message published now by user `u1` from 10.0.0.1. */
  publish(topic: string, payload: string | Buffer, extra?: Partial<BrokerMessage>): void;
  close(options?: { keepData?: boolean }): Promise<void>;
}

/** Opens the store and the history component; `levels` maps a principal id to its msgHistory bits. */
export async function historyFixture(
  options: HistoryOptions = {},
  init: {
    dataDir?: string;
    levels?: Record<string, number>;
    clock?: ManualClock;
    /** A PostgreSQL database to use whatever the test mode (the partition tests, two nodes on one database). */
    databaseUrl?: string;
  } = {},
): Promise<HistoryFixture> {
  const dataDir = init.dataDir ?? mkdtempSync(join(tmpdir(), 'isobar-history-'));
  const clock = init.clock ?? createManualClock();
  const store = await createStore({
    dataDir,
    databaseUrl: init.databaseUrl ?? (await historyDatabaseUrl(dataDir)),
  });
  const log = createMemoryLog();
  const events = createPlatformEvents(() => undefined);
  const config = loadConfig({ env: {}, overrides: { dataDir } });
  const levels = init.levels ?? {};
  const history = await createHistory(options, {
    config,
    log,
    clock,
    cluster: singleNode('test'),
    store,
    events,
    access: { msgHistoryLevel: (p: Principal) => levels[p.id] ?? 0 },
  });
  await history.start?.();
  return {
    history,
    clock,
    store,
    events,
    log,
    dataDir,
    publish(topic, payload, extra = {}) {
      history.capture.capture({
        systemKey: SK,
        topic,
        payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
        qos: 0,
        retain: false,
        publisher: { kind: 'user', id: 'u1', name: 'u1@x', systemKey: SK },
        address: '10.0.0.1',
        hop: 0,
        time: clock.now(),
        ...extra,
      });
    },
    async close(closeOptions = {}) {
      await history.close?.();
      await store.close();
      if (closeOptions.keepData !== true) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
