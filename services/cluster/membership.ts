// Which nodes are alive. Each node keeps `isobar:node:<id>` alive with PX 3×heartbeat, renewed every
// heartbeat, and sits in the registry set `isobar:nodes`. Every heartbeat each node re-reads the registry
// and the heartbeat keys (one SMEMBERS + one MGET), so a node that died without a word drops out of
// every list within 4 heartbeats (its key expires after 3, the next tick sees it). Joins and orderly
// leaves are also announced on the `nodes` channel, so they are seen at once.
import type { Redis } from 'ioredis';
import type { Clock } from '../kernel/clock.js';
import type { Log } from '../kernel/log.js';
import { outageWarning } from '../../broker/cluster-redis.js';

const REGISTRY = 'isobar:nodes';
const nodeKey = (id: string) => `isobar:node:${id}`;

interface MembershipDeps {
  readonly redis: Redis;
  readonly log: Log;
  readonly clock: Clock;
  readonly announce: (channel: string, message: unknown) => Promise<void>;
  readonly listen: (channel: string, handler: (message: unknown, from: string) => void) => () => void;
}

/** The live-node view of one node. */
export interface Membership {
  start(): Promise<void>;
  nodes(): readonly string[];
  onChanged(listener: (nodes: readonly string[]) => void): () => void;
  onHeartbeat(fn: () => Promise<void>): () => void;
  stop(): Promise<void>;
}

/** Creates the membership of `nodeId`; nothing is written until `start()`. */
export function createMembership(
  options: { readonly nodeId: string; readonly heartbeatMs: number },
  deps: MembershipDeps,
): Membership {
  const { nodeId, heartbeatMs } = options;
  const { redis, log, clock } = deps;
  let live: readonly string[] = [nodeId];
  const listeners = new Set<(nodes: readonly string[]) => void>();
  const ticks = new Set<() => Promise<void>>();
  let cancelTimer: (() => void) | undefined;
  let stopped = false;
  const warning = outageWarning(log, 'cluster heartbeat failed');
  let unlisten: () => void = () => undefined;

  const set = (next: Iterable<string>) => {
    const sorted = [...new Set([...next, nodeId])].sort();
    if (sorted.length === live.length && sorted.every((n, i) => n === live[i])) return;
    live = Object.freeze(sorted);
    for (const l of listeners) {
      try {
        l(live);
      } catch (err) {
        log.error('nodes-changed listener failed', { err: String(err) });
      }
    }
  };

  const beat = () => redis.set(nodeKey(nodeId), String(clock.now()), 'PX', heartbeatMs * 3);

  /** Renews this node's key and re-reads who is alive; members whose key expired are swept from the set. */
  const refresh = async () => {
    await beat();
    const members = await redis.smembers(REGISTRY);
    const alive = members.length === 0 ? [] : await redis.mget(members.map(nodeKey));
    const dead = members.filter((_, i) => alive[i] === null);
    if (dead.length > 0) await redis.srem(REGISTRY, ...dead);
    if (!stopped) set(members.filter((_, i) => alive[i] !== null));
  };

  const schedule = () => {
    cancelTimer = clock.setTimer(heartbeatMs, () => {
      void tick();
    });
  };
  const tick = async () => {
    if (stopped) return;
    try {
      await refresh();
      for (const fn of ticks) await fn();
      warning.recovered();
    } catch (err) {
      // once per outage: with Redis away every heartbeat fails until it is back
      warning.failed(err);
    } finally {
      if (!stopped) schedule();
    }
  };

  return {
    async start() {
      unlisten = deps.listen('nodes', (message, from) => {
        const event = (message as { event?: unknown } | null)?.event;
        if (event === 'join') set([...live, from]);
        else if (event === 'leave') set(live.filter((n) => n !== from));
      });
      await beat();
      await redis.sadd(REGISTRY, nodeId);
      await refresh();
      await deps.announce('nodes', { event: 'join' });
      log.info('joined the cluster', { nodes: live });
      schedule();
    },
    nodes: () => live,
    onChanged(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onHeartbeat(fn) {
      ticks.add(fn);
      return () => ticks.delete(fn);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      cancelTimer?.();
      unlisten();
      await redis.srem(REGISTRY, nodeId);
      await redis.del(nodeKey(nodeId));
      await deps.announce('nodes', { event: 'leave' });
    },
  };
}
