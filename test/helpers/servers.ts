// Real Redis and PostgreSQL servers for tests: each call starts its own server from Debian's packages
// (installed by `npm test`'s pretest step, bin/test-prereqs.sh) on a free loopback port in a temp dir,
// and stops it. Readiness is an event (redis-server's "Ready to accept connections" line, `pg_ctl -w`),
// never a poll.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Servers still running, each with a synchronous stop: run when the test process exits however it ends
 * (a failed `after` hook, a timeout, mocha's exit), so no server outlives the suite that started it.
 */
const running = new Map<string, () => void>();
let exitHook = false;
function stopAtExit(key: string, stop: () => void): void {
  running.set(key, stop);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const fn of running.values()) {
      try {
        fn();
      } catch {
        // already gone
      }
    }
  });
}

/** A free TCP port on 127.0.0.1 (the OS picks it; the server binds it right after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface TestRedis {
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `redis-server` (no persistence, loopback only) and resolves once it accepts connections. */
export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'isobar-redis-'));
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const ready = await new Promise<boolean>((resolve, reject) => {
      let out = '';
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Ready to accept connections')) resolve(true);
        else if (/Address already in use|Could not create server/.test(out)) resolve(false);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('error', reject);
      child.once('exit', () => resolve(false));
    });
    if (ready) {
      child.stdout.resume();
      child.stderr.resume();
      stopAtExit(dir, () => {
        child.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      });
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        process: child,
        stop: () =>
          stopChild(child).then(() => {
            running.delete(dir);
            rmSync(dir, { recursive: true, force: true });
          }),
      };
    }
    child.kill('SIGKILL');
    if (attempt >= 3) throw new Error('redis-server did not start');
  }
}

export interface TestPostgres {
  /** Server URL without a database name: append `/<db>` (see `createDatabase`). */
  readonly baseUrl: string;
  readonly port: number;
  /** The server's temp dir (its data in `<dir>/data`): a process exit hook can stop it synchronously. */
  readonly dir: string;
  /** Creates an empty database and answers its URL. */
  createDatabase(name?: string): Promise<string>;
  stop(): Promise<void>;
}

/** The directory of PostgreSQL's server binaries from Debian (`/usr/lib/postgresql/<n>/bin`). */
export function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  throw new Error('PostgreSQL server binaries not found (apt-get install postgresql)');
}

let databases = 0;

/**
 * initdb + pg_ctl in a temp dir on a free port, trust auth on loopback, user `isobar`. As root (CI), the
 * server runs as Debian's `postgres` account: PostgreSQL refuses to run as root.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'isobar-pg-'));
  chmodSync(dir, 0o700);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const as = (cmd: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]) : run(join(bin, cmd), args);
  const data = join(dir, 'data');
  await as('initdb', ['-D', data, '-U', 'isobar', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300`;
  await as('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', opts, '-w', '-t', '60', 'start']);
  // pg_ctl detaches the server: at exit, its postmaster gets SIGQUIT (immediate shutdown) by pid.
  stopAtExit(dir, () => {
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (Number.isSafeInteger(pid) && pid > 0) process.kill(pid, 'SIGQUIT');
    rmSync(dir, { recursive: true, force: true });
  });
  const baseUrl = `postgres://isobar@127.0.0.1:${port}`;
  return {
    baseUrl,
    port,
    dir,
    async createDatabase(name) {
      const db = name ?? `isobar_${process.pid}_${++databases}`;
      await as('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'isobar', db]);
      return `${baseUrl}/${db}`;
    },
    async stop() {
      running.delete(dir);
      await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
