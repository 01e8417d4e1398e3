// An in-memory stand-in for the Cluster contract (services/kernel/cluster.ts), shared by several "nodes"
// in one process: a unit boundary for the areas that spread work over nodes (streams, timers). The Redis
// implementation (services/cluster/) is tested on a real redis-server; this fake keeps the contract's
// promises: `once` is true for one caller per key within its TTL (on the given clock), announcements
// reach the other nodes' listeners (never the sender's), a node that leaves is off every list at once.
import type { Clock } from '../../runtime-api/clock.js';
import type { Cluster } from '../../services/kernel/cluster.js';

export interface FakeClusterNet {
  /** Adds a live node (telling the others) and answers its view of the cluster. */
  join(nodeId: string): Cluster;
  /** The node dies: the others hear the new list; its view stops hearing anything. */
  leave(nodeId: string): void;
  /** Every `once` call made so far, with its answer. */
  readonly onceCalls: Array<{ readonly nodeId: string; readonly key: string; readonly won: boolean }>;
}

/** Creates an empty cluster; `clock` ages the `once` keys (their TTL). */
export function createFakeClusterNet(clock: Clock): FakeClusterNet {
  const live = new Set<string>();
  const nodeListeners = new Map<string, Set<(nodes: readonly string[]) => void>>();
  const channels = new Map<string, Map<string, Set<(message: unknown, fromNode: string) => void>>>();
  const held = new Map<string, number>();
  const onceCalls: Array<{ nodeId: string; key: string; won: boolean }> = [];
  const list = () => [...live].sort();
  const tellNodes = () => {
    const nodes = list();
    for (const id of nodes) for (const l of [...(nodeListeners.get(id) ?? [])]) l(nodes);
  };

  const view = (nodeId: string): Cluster => ({
    nodeId,
    enabled: true,
    nodes: () => (live.has(nodeId) ? list() : [nodeId]),
    onNodesChanged(listener) {
      const set = nodeListeners.get(nodeId) ?? new Set();
      nodeListeners.set(nodeId, set);
      set.add(listener);
      return () => set.delete(listener);
    },
    async announce(channel, message) {
      // As over Redis: the message is copied (JSON) and arrives later, never to the sender.
      const copy: unknown = JSON.parse(JSON.stringify(message));
      await Promise.resolve();
      for (const [id, handlers] of channels.get(channel) ?? []) {
        if (id === nodeId || !live.has(id)) continue;
        for (const h of [...handlers]) h(copy, nodeId);
      }
    },
    listen(channel, handler) {
      const byNode = channels.get(channel) ?? new Map<string, Set<(m: unknown, from: string) => void>>();
      channels.set(channel, byNode);
      const set = byNode.get(nodeId) ?? new Set();
      byNode.set(nodeId, set);
      set.add(handler);
      return () => set.delete(handler);
    },
    async once(key, ttlMs) {
      await Promise.resolve();
      const until = held.get(key);
      const won = until === undefined || until <= clock.now();
      if (won) held.set(key, clock.now() + ttlMs);
      onceCalls.push({ nodeId, key, won });
      return won;
    },
    health: async () => ({ redis: 'ok' }),
    close: async () => undefined,
  });

  return {
    join(nodeId) {
      live.add(nodeId);
      tellNodes();
      return view(nodeId);
    },
    leave(nodeId) {
      live.delete(nodeId);
      nodeListeners.delete(nodeId);
      for (const byNode of channels.values()) byNode.delete(nodeId);
      tellNodes();
    },
    onceCalls,
  };
}
