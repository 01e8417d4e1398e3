// Three Isobar nodes on loopback as one platform (README "Running a cluster"): one redis-server and one
// PostgreSQL from Debian's packages (test/helpers/servers.ts), a fresh database, then each node as a real
// child process running `isobar start` — so `kill -9` is a real kill and a restart is a real restart.
// Readiness is the node's `isobar ready {…}` line (an event on its stdout), never a poll.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ISOBAR_JS, NO_LISTENERS } from '../bin/cli/spawn-cli.js';
import { startPostgres, startRedis, type TestPostgres, type TestRedis } from '../helpers/servers.js';

/** The first developer every node is told about (whichever node wins first start creates it). */
export const ADMIN = { email: 'admin@cluster.local', password: 'admin-pass-1' } as const;

/** Heartbeat the suite runs at, seconds (the minimum), so the documented bounds are short. */
export const HEARTBEAT_S = 1;

export type NodeId = 'a' | 'b' | 'c';

/** One running node: its ports from the ready line, and its process. */
export interface ClusterNode {
  readonly id: NodeId;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** mqtt://127.0.0.1:<port> */
  readonly mqttUrl: string;
  readonly httpPort: number;
  readonly mqttPort: number;
  /** The parsed JSON of the ready line (ports, dataDir, and `node`: the node id). */
  readonly ready: Readonly<Record<string, unknown>>;
  readonly process: ChildProcess;
  /** What the node wrote so far (logs go to stderr), for failure messages. */
  stderr(): string;
  /** Resolves when the process is gone (any reason). */
  readonly exited: Promise<void>;
}

export interface TestCluster {
  readonly redis: TestRedis;
  readonly pg: TestPostgres;
  readonly databaseUrl: string;
  /** The node now running under `id` (throws when it is stopped or killed). */
  node(id: NodeId): ClusterNode;
  /** Every running node. */
  running(): ClusterNode[];
  /** SIGTERM and wait for the exit (graceful shutdown). */
  stop(id: NodeId): Promise<void>;
  /** SIGKILL the node's whole process group (the shim and the platform process) and wait for the exit. */
  kill9(id: NodeId): Promise<void>;
  /** Starts the node again on the same data dir; answers it once its ready line is out. */
  restart(id: NodeId): Promise<ClusterNode>;
  /** Stops every node, then Redis and PostgreSQL; removes the temp dirs. */
  close(): Promise<void>;
}

export interface ClusterOptions {
  readonly nodes?: readonly NodeId[];
  /** Extra environment for every node (e.g. ISOBAR_TIMER_MIN_PERIOD). */
  readonly env?: Readonly<Record<string, string>>;
  /** ms to wait for each ready line; default 180 s (three tsx start-ups on a shared 2-core machine). */
  readonly readyTimeoutMs?: number;
  /**
   * true (default): the first node starts alone (it migrates the empty database and creates the first
   * developer), then the others together. false: all at once — what test/cluster/start.test.ts asserts.
   */
  readonly staggered?: boolean;
  /** 'embedded': the nodes run alone on SQLite + LevelDB, no Redis or PostgreSQL (the bench's baseline). */
  readonly mode?: 'cluster' | 'embedded';
}

/** Starts Redis, PostgreSQL with a fresh database, and the nodes (see `staggered`). */
export async function startCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  const ids = options.nodes ?? (['a', 'b', 'c'] as const);
  const [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
  const dirs = new Map<NodeId, string>();
  const nodes = new Map<NodeId, ClusterNode>();
  let databaseUrl = '';
  const shared = (): Record<string, string> =>
    options.mode === 'embedded'
      ? {}
      : {
          ISOBAR_CLUSTER: '1',
          ISOBAR_REDIS_URL: redis.url,
          ISOBAR_DATABASE_URL: databaseUrl,
          ISOBAR_CLUSTER_HEARTBEAT: String(HEARTBEAT_S),
        };
  const env = (id: NodeId): Record<string, string> => ({
    ...NO_LISTENERS,
    ISOBAR_HTTP_PORT: '0',
    ISOBAR_MQTT_PORT: '0',
    ...shared(),
    ISOBAR_NODE_ID: id,
    ISOBAR_DATA_DIR: dirs.get(id) ?? '',
    ISOBAR_ADMIN_EMAIL: ADMIN.email,
    ISOBAR_ADMIN_PASSWORD: ADMIN.password,
    ISOBAR_LOG_FORMAT: 'json',
    ISOBAR_LOG_LEVEL: 'info',
    ISOBAR_LOGIN_TARPIT: '0',
    ...options.env,
  });
  const launch = async (id: NodeId): Promise<ClusterNode> => {
    const node = await spawnNode(id, env(id), options.readyTimeoutMs ?? 180_000);
    nodes.set(id, node);
    return node;
  };
  const stopNode = async (id: NodeId, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
    const node = nodes.get(id);
    if (node === undefined) return;
    nodes.delete(id);
    if (node.process.exitCode === null && node.process.signalCode === null) {
      const pid = node.process.pid ?? 0;
      // SIGKILL goes to the process group: when bin/isobar.js re-executes Node (no fresh dist/), the
      // platform runs in a grandchild that must die with it. SIGTERM goes to the shim, which forwards it.
      if (signal === 'SIGKILL') process.kill(-pid, 'SIGKILL');
      else node.process.kill('SIGTERM');
    }
    await node.exited;
  };
  try {
    databaseUrl = await pg.createDatabase();
    for (const id of ids) dirs.set(id, mkdtempSync(join(tmpdir(), `isobar-node-${id}-`)));
    if (options.staggered === false) await Promise.all(ids.map(launch));
    else {
      await launch(ids[0]);
      await Promise.all(ids.slice(1).map(launch));
    }
  } catch (err) {
    await Promise.all([...nodes.keys()].map((id) => stopNode(id, 'SIGKILL').catch(() => undefined)));
    await Promise.all([redis.stop(), pg.stop()]);
    for (const dir of dirs.values()) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    redis,
    pg,
    databaseUrl,
    node(id) {
      const node = nodes.get(id);
      if (node === undefined) throw new Error(`node ${id} is not running`);
      return node;
    },
    running: () => [...nodes.values()],
    stop: (id) => stopNode(id, 'SIGTERM'),
    kill9: (id) => stopNode(id, 'SIGKILL'),
    async restart(id) {
      await stopNode(id, 'SIGTERM');
      return launch(id);
    },
    async close() {
      await Promise.all([...nodes.keys()].map((id) => stopNode(id, 'SIGTERM')));
      await Promise.all([redis.stop(), pg.stop()]);
      for (const dir of dirs.values()) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Process groups of the nodes still running: killed if the test process exits without closing them. */
const groups = new Set<number>();
process.once('exit', () => {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** `node --no-node-snapshot bin/isobar.js start` in its own process group; resolves on its ready line. */
function spawnNode(id: NodeId, env: Record<string, string>, timeoutMs: number): Promise<ClusterNode> {
  const child = spawn(process.execPath, ['--no-node-snapshot', ISOBAR_JS, 'start'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => {
    // Keep the tail only: a long run's logs must not grow without bound.
    err = (err + c.toString('utf8')).slice(-200_000);
  });
  const pgid = child.pid ?? 0;
  groups.add(pgid);
  const exited = new Promise<void>((resolve) =>
    child.once('close', () => {
      groups.delete(pgid);
      resolve();
    }),
  );
  return new Promise<ClusterNode>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      process.kill(-(child.pid ?? 0), 'SIGKILL');
      reject(
        new Error(`node ${id}: no ready line within ${timeoutMs} ms; stderr tail:\n${err.slice(-4000)}`),
      );
    }, timeoutMs);
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`node ${id} exited (${String(code)}) before its ready line:\n${err.slice(-4000)}`));
    };
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const line = /^isobar ready (\{.*\})$/m.exec(out);
      if (line === null) return;
      cleanup();
      const ready = JSON.parse(line[1]) as Record<string, unknown>;
      const httpPort = Number(ready.http);
      const mqttPort = Number(ready.mqtt);
      // Past the ready line the pipe is drained and dropped so a chatty node never blocks on it.
      child.stdout.resume();
      resolve({
        id,
        url: `http://127.0.0.1:${httpPort}`,
        mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
        httpPort,
        mqttPort,
        ready,
        process: child,
        stderr: () => err,
        exited,
      });
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });
}
