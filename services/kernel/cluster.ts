// The cluster contract every area may use (README "Running a cluster", services/cluster/README.md). One node
// (the embedded default) gets `singleNode(nodeId)`: it is the whole cluster, announcements go nowhere and
// every `once` key is its own. Cluster mode gets the Redis implementation in services/cluster/.

/** What an area needs to know of the other nodes. */
export interface Cluster {
  /** This node's id (config `cluster.nodeId`): in the ready line, every log line and Redis keys. */
  readonly nodeId: string;
  /** True when other nodes may exist (cluster mode). */
  readonly enabled: boolean;
  /** Live node ids, this node included, sorted; a node silent for 3 heartbeats is no longer listed. */
  nodes(): readonly string[];
  /** Calls `listener` with the new list whenever a node joins or dies; answers the remover. */
  onNodesChanged(listener: (nodes: readonly string[]) => void): () => void;
  /** Sends a JSON message to every other node listening on `channel` (at most once; see `changed`). */
  announce(channel: string, message: unknown): Promise<void>;
  /** Receives what other nodes announce on `channel` (never this node's own); answers the remover. */
  listen(channel: string, handler: (message: unknown, fromNode: string) => void): () => void;
  /**
   * True for exactly one caller cluster-wide per `key` within `ttlMs` (timer firings, one-time work); on
   * one node always true.
   */
  once(key: string, ttlMs: number): Promise<boolean>;
  /** Reachability of the shared engines for /healthz; empty on one node. */
  health(): Promise<Readonly<Record<string, 'ok' | 'down'>>>;
  close(): Promise<void>;
}

/** The cluster of one: the embedded default. */
export function singleNode(nodeId: string): Cluster {
  const nodes = [nodeId];
  return {
    nodeId,
    enabled: false,
    nodes: () => nodes,
    onNodesChanged: () => () => undefined,
    announce: async () => undefined,
    listen: () => () => undefined,
    once: async () => true,
    health: async () => ({}),
    close: async () => undefined,
  };
}
