// History capture throughput, SQLite vs PostgreSQL (services/history/README.md "PostgreSQL"): the same
// messages fed to the history component's capture (as the broker's `published` event does), timed until
// every one is stored; the rows stored are checked against the messages sent. SQLite writes on its writer
// thread, PostgreSQL through the store's pool on the main thread (async). PostgreSQL is a local server from
// Debian's packages (test/helpers/servers.ts), so this is the engine's cost without a network in between.
// Run: npm run bench -- history-pg   (HISTORY_PG_BENCH_MESSAGES, default 200,000; 64-byte payloads)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { setImmediate as turn } from 'node:timers/promises';
import { createHistory } from '../services/history/component.js';
import { systemClock } from '../services/kernel/clock.js';
import { singleNode } from '../services/kernel/cluster.js';
import { createPlatformEvents } from '../services/kernel/events.js';
import { createMemoryLog } from '../services/kernel/log.js';
import { loadConfig } from '../services/config/load.js';
import { createStore } from '../services/store/index.js';
import { startPostgres } from '../test/helpers/servers.js';

const SK = 'abcdef0123456789abcdef01234567';
const MESSAGES = Number(process.env.HISTORY_PG_BENCH_MESSAGES ?? 200_000);
const TOPICS = 100;
/** Messages handed to capture per turn of the event loop (the broker delivers in bursts like this). */
const BURST = 1000;

interface Result {
  readonly engine: string;
  readonly perSecond: number;
  readonly stored: number;
  readonly dropped: number;
}

/** Feeds MESSAGES to a fresh history component on one engine; resolves once all are stored. */
async function captureRun(engine: string, databaseUrl?: string): Promise<Result> {
  const dataDir = mkdtempSync(join(tmpdir(), 'isobar-bench-history-pg-'));
  const store = await createStore({ dataDir, databaseUrl });
  const history = await createHistory(
    { capture: { maxPending: MESSAGES + 1 }, retention: { intervalMs: 3_600_000 } },
    {
      config: loadConfig({ env: {}, overrides: { dataDir } }),
      log: createMemoryLog(),
      clock: systemClock,
      cluster: singleNode('bench'),
      store,
      events: createPlatformEvents(() => undefined),
    },
  );
  await history.setStorage(SK, [{ topic: '#', max_rows: 0, max_time: 0 }]);
  const payload = Buffer.alloc(64, 0x61);
  const publisher = { kind: 'user' as const, id: 'u1', name: 'u1@x', systemKey: SK };
  const topics = Array.from({ length: TOPICS }, (_, i) => `plant/line${String(i)}`);
  const started = performance.now();
  for (let i = 0; i < MESSAGES; i++) {
    history.capture.capture({
      systemKey: SK,
      topic: topics[i % TOPICS],
      payload,
      qos: 0,
      retain: false,
      publisher,
      address: '10.0.0.1',
      hop: 0,
      time: Date.now(),
    });
    if (i % BURST === BURST - 1) await turn();
  }
  await history.capture.flush();
  const seconds = (performance.now() - started) / 1000;
  const row = await store.db
    .selectFrom('history_topics')
    .select((eb) => eb.fn.sum<number>('row_count').as('n'))
    .executeTakeFirst();
  const { dropped } = history.capture.stats();
  await history.close?.();
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { engine, perSecond: MESSAGES / seconds, stored: Number(row?.n ?? 0), dropped };
}

/** Both engines, SQLite first; prints one line per engine and the ratio. */
export async function runHistoryPgBench(): Promise<Result[]> {
  const pg = await startPostgres();
  try {
    const sqlite = await captureRun('sqlite');
    const postgres = await captureRun('postgres', await pg.createDatabase());
    for (const r of [sqlite, postgres]) {
      console.log(
        `history capture ${r.engine.padEnd(8)} ${Math.round(r.perSecond).toLocaleString('en')} msg/s, ` +
          `${r.stored.toLocaleString('en')} stored of ${MESSAGES.toLocaleString('en')} (dropped ${String(r.dropped)})`,
      );
    }
    console.log(
      `history capture postgres/sqlite ratio ${(postgres.perSecond / sqlite.perSecond).toFixed(2)}`,
    );
    return [sqlite, postgres];
  } finally {
    await pg.stop();
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runHistoryPgBench();
}
