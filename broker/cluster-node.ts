// What createBroker builds differently in cluster mode (`BrokerOptions.cluster`), in one place so index.ts
// only branches: the Redis emitter (cluster-mq.ts), the Redis persistence (persistence.ts), the client-id
// registry (cluster-ids.ts), cluster-wide subscription interest (cluster-interest.ts), the persistent
// subscriptions every node enqueues for (cluster-subscriptions.ts) and will claims (cluster-wills.ts),
// with aedes' broker id and heartbeat taken from the cluster options.
import type { Aedes } from 'aedes';
import type mqemitter from 'mqemitter';
import { settlesWithin, type Clock } from '../runtime-api/clock.js';
import { IsobarError } from '../runtime-api/errors/index.js';
import type { Log } from '../runtime-api/log.js';
import { createClusterIds, type ClusterIds } from './cluster-ids.js';
import { createInterest, type ClusterInterest } from './cluster-interest.js';
import { createRedisEmitter } from './cluster-mq.js';
import { openRedisPair, REDIS_CLOSE_BOUND_MS, type RedisPair } from './cluster-redis.js';
import { syncSubscriptions } from './cluster-subscriptions.js';
import { claimWills } from './cluster-wills.js';
import type { AsyncPersistence } from './internal.js';
import { openRedisPersistence } from './persistence.js';
import type { BrokerClusterOptions } from './types.js';

/** One node's share of the cluster, as createBroker uses it. */
export interface ClusterNode {
  readonly mq: mqemitter.MQEmitter;
  readonly persistence: AsyncPersistence;
  readonly ids: ClusterIds;
  readonly interest: ClusterInterest;
  /** The node's command and subscriber connections, for the shared subscriptions (cluster-share.ts). */
  readonly redis: RedisPair;
  /** aedes options of a cluster node. */
  readonly aedesOptions: { readonly id: string; readonly heartbeatInterval: number };
  /** Call once aedes is built, before `listen()`. */
  prepare(aedes: Aedes): void;
  /** After aedes closed (clients gone, emitter closed): frees this node's ids and Redis connections. */
  close(persistence: AsyncPersistence): Promise<void>;
}

/** Opens the node's Redis connections and the pieces built on them. */
export async function openClusterNode(
  options: BrokerClusterOptions,
  deps: { readonly clock: Clock; readonly log: Log; readonly concurrency: number },
): Promise<ClusterNode> {
  const { nodeId, heartbeatS } = options;
  if (nodeId.includes(':') || nodeId.includes('/') || nodeId.length === 0) {
    // aedes-persistence-redis splits its will keys on ':'; aedes' $SYS topics on '/'
    throw new IsobarError('CB_ERR_CONFIG_INVALID', {
      problems: `cluster.nodeId must be non-empty, without ':' or '/' (got ${JSON.stringify(nodeId)})`,
    });
  }
  const { log, clock } = deps;
  const redis: RedisPair = await openRedisPair(options.redisUrl, `isobar-broker-${nodeId}`, deps);
  try {
    const interest = await createInterest(redis, nodeId);
    const ids = await createClusterIds(redis, { nodeId, heartbeatS }, deps);
    const persistence = await openRedisPersistence(options.redisUrl, { log, clock });
    const subscriptions = await syncSubscriptions(persistence, redis, log);
    claimWills(persistence, redis, { nodeId, heartbeatS });
    const mq = createRedisEmitter({
      redisUrl: options.redisUrl,
      concurrency: deps.concurrency,
      watch: interest,
      log,
      clock,
    });
    return {
      mq,
      persistence,
      ids,
      interest,
      redis,
      aedesOptions: { id: nodeId, heartbeatInterval: heartbeatS * 1000 },
      prepare(aedes) {
        // aedes-persistence-redis keys queued packets by `<brokerId>:<counter>`; a node restarted with
        // the same id would count from 0 again and overwrite packets still queued for offline clients
        (aedes as unknown as { counter: number }).counter = Date.now() * 1000;
        subscriptions.follow(aedes);
      },
      async close(persistence) {
        // Each step needs Redis; with Redis away it is left behind after the bound (the id leases and
        // the interest hash lapse or are replaced by themselves), so a node always finishes closing.
        const steps: Array<[string, () => Promise<unknown>]> = [
          ['client ids', () => ids.close()],
          ['interest', () => interest.close()],
          ['persistence', () => persistence.destroy()],
        ];
        // Redis away already: nothing is waited for at all.
        const bound = redis.cmd.status === 'ready' ? REDIS_CLOSE_BOUND_MS : 0;
        for (const [what, step] of steps) {
          if (!(await settlesWithin(step(), bound, clock)) && bound > 0)
            log.warn('cluster close: Redis did not answer, going on without it', { step: what });
        }
        await redis.close();
      },
    };
  } catch (err) {
    await redis.close();
    throw err;
  }
}
