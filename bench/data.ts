// Data benchmark: what Collections and the shared Cache cost over the bare thing, in one run.
// 1. Collections items: insert `--rows` rows (default 1,000,000) in batches of 10,000 through the
//    Collections API (ClearBlade item objects → typed columns → Kysely, one transaction per batch), then
//    query by an indexed column (ClearBlade query object, EQ on `sensor`, a page of 10 plus TOTAL) for ~2 s;
//    against better-sqlite3 directly on the same schema, pragmas and index, with prepared statements doing
//    the same work (a page and a count per query).
// 2. Cache: micro-service runs/s, each run doing 10 get+set pairs on ClearBlade.Cache (bridge crossings)
//    against the same service doing them on a plain Map inside the isolate; and the host's cache get+set
//    against a plain Map.
// Run: npm run bench -- data   or   node --no-node-snapshot --import tsx bench/data.ts [--rows N]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import { createCollectionsApi } from '../services/collections/api.js';
import { systemClock } from '../services/kernel/clock.js';
import { createPlatformEvents } from '../services/kernel/events.js';
import { createStore } from '../services/store/index.js';
import { startBenchPlatform } from './lib/platform.js';

const BATCH = 10_000;
const QUERY_MS = 2000;

/** `--rows N` (or `--rows=N`), else 1,000,000. */
function rowsArg(argv: readonly string[]): number {
  const at = argv.findIndex((a) => a === '--rows' || a.startsWith('--rows='));
  if (at < 0) return 1_000_000;
  const text = argv[at].includes('=') ? argv[at].split('=')[1] : argv[at + 1];
  const n = Number(text);
  if (!Number.isInteger(n) || n < BATCH) throw new Error(`--rows must be an integer >= ${String(BATCH)}`);
  return n;
}

/** Sensors: about 100 rows each, so a query by sensor finds a page and counts ~100. */
const sensorOf = (i: number, rows: number) => `s${String(i % Math.max(1, Math.floor(rows / 100)))}`;
const itemOf = (i: number, rows: number) => ({ sensor: sensorOf(i, rows), value: i * 0.5, seq: i });

/** Runs `fn` repeatedly for `ms` and answers calls per second. */
async function rateFor(ms: number, fn: (i: number) => Promise<unknown> | unknown): Promise<number> {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) await fn(n++);
  return (n / (performance.now() - t0)) * 1000;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function items(rows: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'isobar-bench-data-'));
  try {
    // --- Isobar: the Collections API over the platform's store ---
    const store = await createStore({ dataDir: join(dir, 'isobar') });
    const api = await createCollectionsApi({
      store,
      events: createPlatformEvents(() => undefined),
      clock: systemClock,
    });
    let c = await api.create('bench0000000000000000000000000', 'readings');
    c = await api.addColumn(c, 'sensor', 'string');
    c = await api.addColumn(c, 'value', 'float');
    c = await api.addColumn(c, 'seq', 'int');
    await api.indexColumn(c, 'sensor');
    let t0 = performance.now();
    for (let i = 0; i < rows; i += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, rows - i) }, (_, j) => itemOf(i + j, rows));
      await api.insert(c, batch);
    }
    const isoInsertMs = performance.now() - t0;
    const isoQuery = await rateFor(QUERY_MS, async (q) => {
      const page = await api.fetch(c, {
        FILTERS: [[{ EQ: [{ sensor: sensorOf(q * 7919, rows) }] }]],
        PAGESIZE: 10,
        PAGENUM: 1,
      });
      if (page.DATA.length !== 10) throw new Error('query found no page');
    });
    await store.close();

    // --- the floor: better-sqlite3 directly, same schema, pragmas and index ---
    const db = new SQLite(join(dir, 'bare.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE t (item_id TEXT PRIMARY KEY, sensor TEXT, value REAL, seq INTEGER)');
    db.exec('CREATE INDEX t_sensor ON t (sensor)');
    const insert = db.prepare('INSERT INTO t (item_id, sensor, value, seq) VALUES (?, ?, ?, ?)');
    const insertBatch = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const it = itemOf(i, rows);
        insert.run(randomUUID(), it.sensor, it.value, it.seq);
      }
    });
    t0 = performance.now();
    for (let i = 0; i < rows; i += BATCH) insertBatch(i, Math.min(rows, i + BATCH));
    const bareInsertMs = performance.now() - t0;
    const page = db.prepare('SELECT * FROM t WHERE sensor = ? ORDER BY rowid LIMIT 10 OFFSET 0');
    const count = db.prepare('SELECT count(*) AS n FROM t WHERE sensor = ?');
    const bareQuery = await rateFor(QUERY_MS, (q) => {
      const s = sensorOf(q * 7919, rows);
      if (page.all(s).length !== 10 || count.get(s) === undefined) throw new Error('query found no page');
    });
    // Kysely's SQLite dialect prepares each statement anew per execution: the same two queries so.
    const unprepared = await rateFor(QUERY_MS, (q) => {
      const s = sensorOf(q * 7919, rows);
      const p = db.prepare('SELECT * FROM t WHERE sensor = ? ORDER BY rowid LIMIT 10 OFFSET 0').all(s);
      const n = db.prepare('SELECT count(*) AS n FROM t WHERE sensor = ?').get(s);
      if (p.length !== 10 || n === undefined) throw new Error('query found no page');
    });
    db.close();

    const isoIns = (rows / isoInsertMs) * 1000;
    const bareIns = (rows / bareInsertMs) * 1000;
    console.log(
      `items: ${fmt(rows)} rows, batches of ${fmt(BATCH)}, query = EQ on indexed sensor, page 10 + TOTAL`,
    );
    console.log(
      `  insert  Isobar ${fmt(isoIns)} rows/s (${(isoInsertMs / 1000).toFixed(1)} s)   better-sqlite3 ${fmt(bareIns)} rows/s (${(bareInsertMs / 1000).toFixed(1)} s)   ratio ${(isoIns / bareIns).toFixed(2)}`,
    );
    console.log(
      `  query   Isobar ${fmt(isoQuery)} queries/s   better-sqlite3 ${fmt(bareQuery)} queries/s   ratio ${(isoQuery / bareQuery).toFixed(2)}`,
    );
    console.log(
      `          better-sqlite3 preparing both statements per query (as Kysely's dialect does) ${fmt(unprepared)} queries/s`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PAIRS = 10;
const CACHE_SERVICE = `function CacheRun(req, resp) {
  var cache = ClearBlade.Cache('bench');
  var done = 0;
  for (var i = 0; i < ${String(PAIRS)}; i++) {
    cache.get('k' + i, function (err, v) {
      if (err) resp.error(v);
      cache.set('k' + i, (v || 0) + 1, function (err2, m) { if (err2) resp.error(m); done++; });
    });
  }
  resp.success(done);
}`;
const MAP_SERVICE = `var store = new Map();
function MapRun(req, resp) {
  var done = 0;
  for (var i = 0; i < ${String(PAIRS)}; i++) {
    var v = store.has('k' + i) ? JSON.parse(store.get('k' + i)) : undefined;
    store.set('k' + i, JSON.stringify((v || 0) + 1));
    done++;
  }
  resp.success(done);
}`;

async function cache(): Promise<void> {
  const { platform, close } = await startBenchPlatform('cache');
  try {
    const identity = platform.identity;
    const dev = await identity.developerByEmail('bench@isobar.local');
    if (dev === undefined) throw new Error('no developer');
    const { systemKey } = await identity.createSystem(dev.id, { name: 'bench' });
    const login = await identity.loginDeveloper('bench@isobar.local', 'bench-pass-1');
    await platform.cache.caches.create(systemKey, { name: 'bench', ttl: 0 });
    await platform.code.registry.create(systemKey, 'CacheRun', { code: CACHE_SERVICE });
    await platform.code.registry.create(systemKey, 'MapRun', { code: MAP_SERVICE });
    const caller = { kind: 'developer' as const, id: dev.id, name: dev.email, systemKey, token: login.token };
    const runs = (name: string) =>
      rateFor(QUERY_MS, async () => {
        const r = await platform.code.invokeService(systemKey, name, {}, caller);
        if (!r.success || r.results !== PAIRS) throw new Error(`${name}: ${JSON.stringify(r.results)}`);
      });
    await runs('CacheRun'); // warm both before measuring
    await runs('MapRun');
    const cacheRuns = await runs('CacheRun');
    const mapRuns = await runs('MapRun');
    console.log(`cache: micro runs, ${String(PAIRS)} get+set pairs per run, one run after the other`);
    console.log(
      `  runs/s  ClearBlade.Cache ${fmt(cacheRuns)}   Map in the isolate ${fmt(mapRuns)}   ratio ${(cacheRuns / mapRuns).toFixed(2)}`,
    );

    const caches = platform.cache.caches;
    const map = new Map<string, string>();
    const host = await rateFor(1000, (i) => {
      const k = `k${String(i % 100)}`;
      const v = caches.getEntry(systemKey, 'bench', k);
      caches.set(systemKey, 'bench', k, String(Number(v ?? '0') + 1), undefined, false);
    });
    const bare = await rateFor(1000, (i) => {
      const k = `k${String(i % 100)}`;
      map.set(k, String(Number(map.get(k) ?? '0') + 1));
    });
    console.log(
      `  host get+set/s  caches ${fmt(host)}   plain Map ${fmt(bare)}   ratio ${(host / bare).toFixed(2)}`,
    );
  } finally {
    await close();
  }
}

const rows = rowsArg(process.argv.slice(2));
await items(rows);
await cache();
