// Shared by the cluster feed tests: whole platforms in cluster mode on one redis-server and one PostgreSQL
// database, and waiting for a node to have reloaded what another node changed (on the feed's event).
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

/** Resolves when `tp` has reloaded `systemKey` because another node changed it; rejects after `ms`. */
export function reloadedOn(tp: TestPlatform, systemKey: string, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no reload of ${systemKey} on ${tp.config.cluster.nodeId} within ${String(ms)} ms`));
    }, ms);
    const off = tp.platform.feed.afterReload((k) => {
      if (k !== systemKey) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}
