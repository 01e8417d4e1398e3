// The change feed: after a change commits on one node, every other node reloads what it keeps in memory
// for that system (roles, members, tokens, services, …) and re-checks live access. Fast path: the writer
// INCRs `isobar:ver:<systemKey>` and announces `{systemKey, areas, version}` on the `changes` channel.
// Pub/sub is at most once, so every heartbeat each node also MGETs the versions it knows and reloads
// each system whose counter moved: a change is applied on every node within one heartbeat of the
// writer's INCR (plus the reload itself). systemKey '*' is the platform-wide counter (systems created or
// deleted, developers). Revoked token hashes travel on `tokens` and are also caught up by the reload.
import type { Log } from '../kernel/log.js';
import type { RedisCluster } from './redis.js';

const VER = 'isobar:ver:';

/** Reloads one area's view of a system from the store ('*': the platform-wide view). */
export type AreaReload = (systemKey: string) => Promise<void>;

/** An area kept in step across nodes: what it reports changed here, and how it reloads another node's change. */
export interface SyncedArea {
  /** Calls `listener` after each change of a system committed on this node. */
  onChanged(listener: (systemKey: string) => void): unknown;
  /** Reloads this area's view of one system from the store (never called with '*': see `sync`). */
  reload(systemKey: string): Promise<void>;
}

/** What areas and the composition root use. */
export interface ChangeFeed {
  /** Tells the other nodes that `areas` of `systemKey` changed here (after commit; never throws). */
  changed(systemKey: string, areas: readonly string[]): void;
  /** Tells the other nodes these token hashes are revoked. */
  revoked(hashes: readonly string[]): void;
  /** Registers the reload of one area (a name such as `identity`, `code`). */
  area(name: string, reload: AreaReload): void;
  /**
   * Both sides of one per-system area under `name`: its changes announced, the other nodes' changes
   * reloaded. The platform-wide '*' (systems, developers) is identity's (`area`): no reload here.
   */
  sync(name: string, area: SyncedArea): void;
  /** Runs after a system was reloaded because another node changed it (the broker's access re-check); answers the remover. */
  afterReload(fn: (systemKey: string) => void): () => void;
  /** Receives revoked hashes announced by other nodes. */
  onRevoked(fn: (hashes: readonly string[]) => void): void;
  /** Reads the current counters: call before the areas load their views. */
  prime(): Promise<void>;
  /** Starts listening and catching up, once every area is registered. */
  start(systemKeys: () => Iterable<string>): void;
  /** Resolves once every reload started so far has finished (tests, close). */
  settled(): Promise<void>;
  close(): void;
}

/** The feed of one node: nothing on one node (see `localFeed`). */
export function createChangeFeed(cluster: RedisCluster, deps: { readonly log: Log }): ChangeFeed {
  const { redis } = cluster;
  const log = deps.log;
  const areas = new Map<string, AreaReload>();
  const after = new Set<(systemKey: string) => void>();
  const revokedListeners: Array<(hashes: readonly string[]) => void> = [];
  /** The counter of each system as of this node's last load of it. */
  const seen = new Map<string, number>();
  /** One reload chain per system, so two changes never reload the same system concurrently. */
  const chains = new Map<string, Promise<void>>();
  let systemsOf: () => Iterable<string> = () => [];
  const offs: Array<() => void> = [];
  // Outgoing changes are sent in order, one at a time, so a later INCR never overtakes an earlier one.
  let outgoing: Promise<void> = Promise.resolve();

  const reload = (systemKey: string, names: readonly string[], version: number) => {
    const previous = chains.get(systemKey) ?? Promise.resolve();
    const next = previous.then(async () => {
      if ((seen.get(systemKey) ?? 0) >= version) return;
      seen.set(systemKey, version);
      for (const name of names) {
        const fn = areas.get(name);
        if (fn === undefined) continue;
        try {
          await fn(systemKey);
        } catch (err) {
          log.error('reload after a change on another node failed', {
            systemKey,
            area: name,
            err: String(err),
          });
        }
      }
      for (const fn of after) {
        try {
          fn(systemKey);
        } catch (err) {
          log.error('after-reload hook failed', { systemKey, err: String(err) });
        }
      }
    });
    chains.set(systemKey, next);
    void next.then(() => {
      if (chains.get(systemKey) === next) chains.delete(systemKey);
    });
    return next;
  };

  /** The catch-up: reloads every known system whose counter moved since this node last loaded it. */
  const catchUp = async () => {
    const keys = [...new Set(['*', ...seen.keys(), ...systemsOf()])];
    const values = await redis.mget(keys.map((k) => VER + k));
    const all = [...areas.keys()];
    const moved: Promise<void>[] = [];
    keys.forEach((k, i) => {
      const v = Number(values[i] ?? 0);
      if (v > (seen.get(k) ?? 0)) {
        log.info('catching up a change missed on the feed', { systemKey: k, version: v });
        moved.push(reload(k, all, v));
      }
    });
    await Promise.all(moved);
  };

  const feed: ChangeFeed = {
    changed(systemKey, names) {
      outgoing = outgoing.then(async () => {
        try {
          const version = await redis.incr(VER + systemKey);
          // Our own change is already in memory: never reload it when the counter is read back.
          if (version === (seen.get(systemKey) ?? 0) + 1) seen.set(systemKey, version);
          await cluster.announce('changes', { systemKey, areas: names, version });
        } catch (err) {
          log.warn('announcing a change failed (other nodes catch up on their heartbeat)', {
            systemKey,
            err: String(err),
          });
        }
      });
    },
    revoked(hashes) {
      if (hashes.length === 0) return;
      cluster.announce('tokens', { revoked: hashes }).catch((err: unknown) => {
        log.warn('announcing revoked tokens failed', { err: String(err) });
      });
    },
    area: (name, fn) => void areas.set(name, fn),
    sync(name, area) {
      areas.set(name, async (systemKey) => {
        if (systemKey !== '*') await area.reload(systemKey);
      });
      area.onChanged((systemKey) => feed.changed(systemKey, [name]));
    },
    afterReload(fn) {
      after.add(fn);
      return () => after.delete(fn);
    },
    onRevoked: (fn) => void revokedListeners.push(fn),
    async prime() {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${VER}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length === 0) continue;
        const values = await redis.mget(keys);
        keys.forEach((k, i) => seen.set(k.slice(VER.length), Number(values[i] ?? 0)));
      } while (cursor !== '0');
    },
    start(systemKeys) {
      systemsOf = systemKeys;
      offs.push(
        cluster.listen('changes', (message) => {
          const m = message as { systemKey?: unknown; areas?: unknown; version?: unknown } | null;
          if (typeof m?.systemKey !== 'string' || typeof m.version !== 'number' || !Array.isArray(m.areas))
            return;
          void reload(
            m.systemKey,
            m.areas.filter((a): a is string => typeof a === 'string'),
            m.version,
          );
        }),
        cluster.listen('tokens', (message) => {
          const revoked = (message as { revoked?: unknown } | null)?.revoked;
          if (!Array.isArray(revoked)) return;
          const hashes = revoked.filter((h): h is string => typeof h === 'string');
          for (const fn of revokedListeners) fn(hashes);
        }),
        cluster.onHeartbeat(catchUp),
      );
    },
    async settled() {
      await outgoing;
      await Promise.all([...chains.values()]);
    },
    close() {
      for (const off of offs.splice(0)) off();
    },
  };
  return feed;
}

/** The feed of the embedded default: one node, nothing to tell. */
export function localFeed(): ChangeFeed {
  return {
    changed: () => undefined,
    revoked: () => undefined,
    area: () => undefined,
    sync: () => undefined,
    afterReload: () => () => undefined,
    onRevoked: () => undefined,
    prime: async () => undefined,
    start: () => undefined,
    settled: async () => undefined,
    close: () => undefined,
  };
}
