// Shared by the cluster feed tests: whole platforms in cluster mode on one redis-server and one PostgreSQL
// database, and waiting for a node to have reloaded what another node changed (on the feed's event).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestPlatform, type TestPlatform } from '../../helpers/platform.js';

export const HEARTBEAT_S = 1;

/** Starts one cluster node on `redisUrl` and `databaseUrl`; `overrides` add config values. */
export function startNode(
  nodeId: string,
  redisUrl: string,
  databaseUrl: string,
  overrides: Record<string, string | number | boolean> = {},
): Promise<TestPlatform> {
  return startTestPlatform({
    overrides: {
      'cluster.enabled': true,
      'cluster.redisUrl': redisUrl,
      'store.databaseUrl': databaseUrl,
      'cluster.nodeId': nodeId,
      'cluster.heartbeatS': HEARTBEAT_S,
      ...overrides,
    },
  });
}

/**
 * Resolves once `check()` holds on `tp`: at once if it already does, else after one of `tp`'s reloads of
 * `systemKey` (the feed's afterReload event) makes it hold; rejects after `ms` with `what`.
 */
export function syncedOn(
  tp: TestPlatform,
  systemKey: string,
  what: string,
  check: () => boolean,
  ms = 5000,
): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${tp.config.cluster.nodeId}: ${what} not seen within ${String(ms)} ms`));
    }, ms);
    const off = tp.platform.feed.afterReload((k) => {
      if (k !== systemKey || !check()) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

/**
 * Starts redis-server again on the port a stopped test server had (the nodes still dial it), resolving
 * on its "Ready to accept connections" line; answers its stop. A node whose Redis went away cannot
 * close until Redis answers again (its leave and the broker's persistence wait for it).
 */
export async function restartRedisOn(port: number): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'isobar-redis-again-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn('redis-server', [...args, '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('exit', () =>
      reject(new Error(`redis-server did not start again on ${String(port)}: ${out}`)),
    );
  });
  child.stdout.resume();
  child.stderr.resume();
  return () =>
    new Promise<void>((resolve) => {
      child.removeAllListeners('exit');
      child.once('exit', () => {
        rmSync(dir, { recursive: true, force: true });
        resolve();
      });
      child.kill('SIGTERM');
    });
}
