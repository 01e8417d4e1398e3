// History's suites on PostgreSQL (env ISOBAR_TEST_PG=1): one server per mocha process, started on first
// use and stopped when the process exits; each data dir a fixture opens gets a database of its own, the
// same one when a test reopens that dir (restart tests must find their rows).
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { startPostgres, type TestPostgres } from '../../helpers/servers.js';

/** True when the history suites run on PostgreSQL. */
export const HISTORY_ON_PG = process.env.ISOBAR_TEST_PG === '1';

let server: Promise<TestPostgres> | undefined;
const byDataDir = new Map<string, Promise<string>>();

/** The process's PostgreSQL server, started once. */
export function historyPostgres(): Promise<TestPostgres> {
  server ??= (async () => {
    const started = await startPostgres();
    const client = new pg.Client({ connectionString: `${started.baseUrl}/postgres` });
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
    await client.end();
    const data = rows[0].data_directory;
    // Exit hooks cannot wait: SIGQUIT is `pg_ctl -m immediate`, then the temp dir goes.
    process.once('exit', () => {
      try {
        const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
        if (pid > 0) process.kill(pid, 'SIGQUIT');
      } catch {
        // already gone
      }
      rmSync(dirname(data), { recursive: true, force: true });
    });
    return started;
  })();
  return server;
}

/** The `databaseUrl` for a store on `dataDir`: undefined on SQLite, else the dir's own fresh database. */
export function historyDatabaseUrl(dataDir: string): Promise<string | undefined> {
  if (!HISTORY_ON_PG) return Promise.resolve(undefined);
  let url = byDataDir.get(dataDir);
  if (url === undefined) {
    url = historyPostgres().then((s) => s.createDatabase());
    byDataDir.set(dataDir, url);
  }
  return url;
}
