// Cluster-wide `hasSubscribers`: automation skips publishing event topics nobody watches, so in a cluster
// "nobody" must mean on every node. aedes-persistence-redis keeps every node's persistent (clean=false,
// QoS > 0) subscriptions in memory, but not clean sessions' nor internal subscribers' (stream services,
// triggers): so each node also publishes the set of filters its emitter listens to — a Redis hash
// `isobar:interest:<nodeId>` (read by nodes that start later) plus add/remove notices on the channel
// `isobar:ch:interest` — and keeps the other nodes' filters in a matcher of its own.
// Erring on "yes" costs one publish nobody takes; erring on "no" would lose an event. So a dead node's
// filters stay until it is replaced by its id or the hash is cleared, and a notice lost on Redis pub/sub
// (at most once) is repaired when the sending node next changes that filter or restarts.
import { Qlobber } from 'qlobber';
import type { RedisPair } from './cluster-redis.js';
import type { FilterWatch } from './cluster-mq.js';

const CHANNEL = 'isobar:ch:interest';
const hashKey = (nodeId: string) => `isobar:interest:${nodeId}`;

/** Cluster-wide subscription interest of one node. */
export interface ClusterInterest extends FilterWatch {
  /** Does a filter of another node match `topic`? (This node's own: ask its emitter's matcher.) */
  remote(topic: string): boolean;
  /** Forgets this node's filters in Redis (clean close). */
  close(): Promise<void>;
}

interface Notice {
  readonly node: string;
  readonly filter: string;
  readonly add: boolean;
}

/** Starts tracking: loads the other nodes' filters, then follows their notices. */
export async function createInterest(redis: RedisPair, nodeId: string): Promise<ClusterInterest> {
  const matcher = new Qlobber({
    separator: '/',
    wildcard_one: '+',
    wildcard_some: '#',
    match_empty_levels: true,
  });
  // node → filter → present (so a repeated notice adds once)
  const byNode = new Map<string, Set<string>>();
  const apply = (node: string, filter: string, add: boolean) => {
    if (node === nodeId) return;
    let set = byNode.get(node);
    if (set === undefined) byNode.set(node, (set = new Set()));
    if (add && !set.has(filter)) {
      set.add(filter);
      matcher.add(filter, node);
    } else if (!add && set.delete(filter)) {
      matcher.remove(filter, node);
    }
  };
  await redis.listen(CHANNEL, (raw) => {
    const notice = JSON.parse(raw) as Notice;
    apply(notice.node, notice.filter, notice.add);
  });
  // a previous process with this id left its filters: they are not ours any more
  await redis.cmd.del(hashKey(nodeId));
  for (const key of await scanKeys(redis, 'isobar:interest:*')) {
    const node = key.slice('isobar:interest:'.length);
    for (const filter of await redis.cmd.hkeys(key)) apply(node, filter, true);
  }

  const local = new Map<string, number>();
  const announce = (filter: string, add: boolean) => {
    const key = hashKey(nodeId);
    const change = add ? redis.cmd.hset(key, filter, '1') : redis.cmd.hdel(key, filter);
    const notice = JSON.stringify({ node: nodeId, filter, add } satisfies Notice);
    // errors: Redis down; the node's other Redis traffic fails and is reported there
    change.then(() => redis.cmd.publish(CHANNEL, notice)).catch(() => {});
  };
  return {
    added(filter) {
      const n = local.get(filter) ?? 0;
      local.set(filter, n + 1);
      if (n === 0) announce(filter, true);
    },
    removed(filter) {
      const n = local.get(filter) ?? 0;
      if (n <= 1) {
        local.delete(filter);
        if (n === 1) announce(filter, false);
      } else local.set(filter, n - 1);
    },
    remote: (topic) => matcher.match(topic).length > 0,
    async close() {
      await redis.cmd.del(hashKey(nodeId)).catch(() => {});
    },
  };
}

/** Every key matching `pattern` (SCAN, never KEYS: it does not block Redis). */
async function scanKeys(redis: RedisPair, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.cmd.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}
