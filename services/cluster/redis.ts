// The Cluster contract (services/kernel/cluster.ts) on one Redis: a heartbeat key per node, a registry
// set, a join/leave channel so joins are seen at once, JSON announcements over pub/sub and `once` keys.
// Two ioredis connections: one for commands, one in subscriber mode (Redis forbids commands on it).
import { Redis } from 'ioredis';
import { endRedis, reportErrors, REDIS_CLOSE_BOUND_MS } from '../../broker/cluster-redis.js';
import { settlesWithin } from '../../runtime-api/clock.js';
import type { Clock } from '../kernel/clock.js';
import type { Cluster } from '../kernel/cluster.js';
import type { Log } from '../kernel/log.js';
import { probeWithin } from './health.js';
import { createMembership } from './membership.js';

export const KEY_PREFIX = 'isobar:';
const CHANNEL_PREFIX = `${KEY_PREFIX}ch:`;
/** How long /healthz waits for PING before it calls Redis down. */
const PING_TIMEOUT_MS = 1000;

export interface RedisClusterOptions {
  readonly redisUrl: string;
  readonly nodeId: string;
  readonly heartbeatS: number;
}

/** The Redis cluster plus what the rooms of services/cluster build on (commands, the heartbeat tick). */
export interface RedisCluster extends Cluster {
  /** The command connection (INCR, MGET, SET …); never SUBSCRIBE on it. */
  readonly redis: Redis;
  /** Runs `fn` after every heartbeat of this node (the change feed's catch-up); answers the remover. */
  onHeartbeat(fn: () => Promise<void>): () => void;
}

type Handler = (message: unknown, fromNode: string) => void;

/** Connects both connections (resolves on ioredis `ready`), registers this node and starts its heartbeat. */
export async function createRedisCluster(
  options: RedisClusterOptions,
  deps: { readonly log: Log; readonly clock: Clock },
): Promise<RedisCluster> {
  const { nodeId } = options;
  const log = deps.log.child({ area: 'cluster' });
  const connect = (role: string): Redis => {
    const r = new Redis(options.redisUrl, {
      lazyConnect: true,
      connectionName: `isobar:${nodeId}:${role}`,
      // A command sent while Redis is away fails within two reconnect attempts (≤ 4 s with ioredis' backoff)
      // instead of twenty (~10 s, then ~40 s): a heartbeat, a `once` claim or a close does not hang on it,
      // and a Redis restart shorter than that is still ridden out. (The subscriber keeps the default: a
      // SUBSCRIBE queued during an outage is sent once Redis is back.)
      ...(role === 'cmd' ? { maxRetriesPerRequest: 1 } : {}),
    });
    // An unreachable Redis is reported once per outage (ioredis retries on its own), not once per retry.
    reportErrors(r, log, role);
    return r;
  };
  const redis = connect('cmd');
  const sub = connect('sub');
  await Promise.all([redis.connect(), sub.connect()]);

  const handlers = new Map<string, Set<Handler>>();
  sub.on('message', (channel: string, text: string) => {
    const set = handlers.get(channel.slice(CHANNEL_PREFIX.length));
    if (set === undefined) return;
    let envelope: { from?: unknown; msg?: unknown };
    try {
      envelope = JSON.parse(text) as typeof envelope;
    } catch {
      return;
    }
    if (typeof envelope.from !== 'string' || envelope.from === nodeId) return;
    for (const h of set) {
      try {
        h(envelope.msg, envelope.from);
      } catch (err) {
        log.error('cluster listener failed', { channel, err: String(err) });
      }
    }
  });

  const announce = async (channel: string, message: unknown): Promise<void> => {
    await redis.publish(CHANNEL_PREFIX + channel, JSON.stringify({ from: nodeId, msg: message }));
  };
  const listen = (channel: string, handler: Handler): (() => void) => {
    let set = handlers.get(channel);
    if (set === undefined) {
      handlers.set(channel, (set = new Set()));
      sub.subscribe(CHANNEL_PREFIX + channel).catch((err: unknown) => {
        log.error('cluster subscribe failed', { channel, err: String(err) });
      });
    }
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0 && handlers.get(channel) === set) {
        handlers.delete(channel);
        sub.unsubscribe(CHANNEL_PREFIX + channel).catch(() => undefined);
      }
    };
  };

  const membership = createMembership(
    { nodeId, heartbeatMs: options.heartbeatS * 1000 },
    { redis, log, clock: deps.clock, announce, listen },
  );
  await membership.start();

  let closing: Promise<void> | undefined;
  return {
    nodeId,
    enabled: true,
    redis,
    nodes: () => membership.nodes(),
    onNodesChanged: (listener) => membership.onChanged(listener),
    onHeartbeat: (fn) => membership.onHeartbeat(fn),
    announce,
    listen,
    async once(key, ttlMs) {
      const ok = await redis.set(`${KEY_PREFIX}once:${key}`, nodeId, 'PX', Math.max(1, ttlMs), 'NX');
      return ok === 'OK';
    },
    async health() {
      if (redis.status !== 'ready') return { redis: 'down' };
      const pong = redis.ping().then((r) => {
        if (r !== 'PONG') throw new Error(`PING answered ${r}`);
      });
      return { redis: await probeWithin(pong, PING_TIMEOUT_MS, deps.clock) };
    },
    close() {
      closing ??= (async () => {
        // Redis away: nobody can be told; the heartbeat key lapses and the others drop this node by itself.
        const leave = membership.stop().catch((err: unknown) => {
          log.warn('leaving the cluster failed', { err: String(err) });
        });
        if (redis.status === 'ready') await settlesWithin(leave, REDIS_CLOSE_BOUND_MS, deps.clock);
        handlers.clear();
        await Promise.all([endRedis(sub, deps.clock), endRedis(redis, deps.clock)]);
      })();
      return closing;
    },
  };
}
