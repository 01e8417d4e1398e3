// The PostgreSQL test mode (env ISOBAR_TEST_PG=1, `npm run test:pg`): the store-touching suites run
// unchanged on PostgreSQL. One server per mocha process, started on first use and stopped when the
// process exits; every data dir a test opens a store on gets a database of its own, the same one each
// time (restart tests reopen a data dir and must find their rows). Databases are cloned from a migrated
// template, so a test pays for `CREATE DATABASE`, not for the migrations (test/services/store tests those).
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createStore } from '../../services/store/index.js';
import { startPostgres, type TestPostgres } from './servers.js';

/** True when the suites run on PostgreSQL. */
export const PG_TEST_MODE = process.env.ISOBAR_TEST_PG === '1';

const TEMPLATE = 'isobar_template';
let server: Promise<TestPostgres> | undefined;
const byDataDir = new Map<string, Promise<string>>();
let count = 0;

/** The process's PostgreSQL server with a migrated template database, started once. */
export function testPostgres(): Promise<TestPostgres> {
  server ??= (async () => {
    const started = await startPostgres();
    process.once('exit', () => stopNow(started));
    const store = await createStore({
      dataDir: started.dir,
      databaseUrl: await started.createDatabase(TEMPLATE),
    });
    await store.close();
    return started;
  })();
  return server;
}

// Starting the server (initdb, the template's migrations) takes seconds, more on a loaded machine: in PG
// mode it happens in a root-level hook with its own timeout (this module is imported while mocha loads
// the spec files, so `before` here is a root hook), not inside the first test's 20 s budget.
if (PG_TEST_MODE && typeof globalThis.before === 'function') {
  globalThis.before(function () {
    this.timeout(180_000);
    return testPostgres().then(() => undefined);
  });
}

/** A fresh database cloned from the template (its URL). */
export async function freshTestDatabase(): Promise<string> {
  const pgServer = await testPostgres();
  const name = `isobar_t${String(process.pid)}_${String(++count)}`;
  const client = new pg.Client({ connectionString: `${pgServer.baseUrl}/postgres` });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`);
  } finally {
    await client.end();
  }
  return `${pgServer.baseUrl}/${name}`;
}

/**
 * The `databaseUrl` a store on `dataDir` uses in this test run: undefined on SQLite; on PostgreSQL the
 * data dir's own database (made on first use).
 */
export async function testDatabaseUrl(dataDir: string): Promise<string | undefined> {
  if (!PG_TEST_MODE) return undefined;
  let url = byDataDir.get(dataDir);
  if (url === undefined) {
    url = freshTestDatabase();
    byDataDir.set(dataDir, url);
  }
  return url;
}

/** Stops the server at process exit (synchronous: exit hooks cannot wait): SIGQUIT is `pg_ctl -m immediate`. */
function stopNow(started: TestPostgres): void {
  try {
    const pid = Number(readFileSync(join(started.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid > 0) process.kill(pid, 'SIGQUIT');
  } catch {
    // Already gone.
  }
  rmSync(started.dir, { recursive: true, force: true });
}
