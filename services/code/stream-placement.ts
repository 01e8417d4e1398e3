// Which node runs which instance of a stream service (issue 16, services/code/README.md "Streams in a
// cluster"). Every node computes the same answer from the same node list, with no coordination:
// instance i of `<systemKey>/<service>` ranks the nodes by rendezvous (highest-random-weight) hashing of
// `<systemKey>/<service>/<i>` and takes the best-ranked node that still has room: every node gets
// floor(instances / nodes), and the first (instances mod nodes) nodes to fill get one more. Plain
// rendezvous hashing puts two of three instances on one of three nodes 7 times in 9; the room keeps the
// spread even (3 instances over 3 nodes: one each, 7 over 3: 3, 2, 2), and a node that
// joins or leaves still moves few instances besides its own (test/services/code/streams-cluster.test.ts).
import { createHash } from 'node:crypto';

/** The weight of `node` for `key`: a fixed-length hex digest, so string order is numeric order. */
function weight(key: string, node: string): string {
  return createHash('sha256').update(key).update('\u0000').update(node).digest('hex');
}

/** The nodes in the order instance `key` prefers them (highest weight first; ties by id). */
export function rankNodes(key: string, nodes: readonly string[]): string[] {
  const weighed = nodes.map((node) => ({ node, w: weight(key, node) }));
  weighed.sort((a, b) => (a.w === b.w ? (a.node < b.node ? -1 : 1) : a.w < b.w ? 1 : -1));
  return weighed.map((x) => x.node);
}

/** The node of each instance 0..instances-1 of a stream service, given the live nodes. */
export function placeInstances(
  systemKey: string,
  service: string,
  instances: number,
  nodes: readonly string[],
): string[] {
  if (nodes.length === 0) return [];
  const live = [...new Set(nodes)].sort();
  // Every node gets `base` instances and `extra` of them one more: the spread is as even as it can be.
  const base = Math.floor(instances / live.length);
  const extra = instances % live.length;
  let fuller = 0;
  const load = new Map<string, number>(live.map((n) => [n, 0]));
  const hasRoom = (n: string) => {
    const l = load.get(n) ?? 0;
    return l < base || (l === base && fuller < extra);
  };
  const out: string[] = [];
  for (let i = 0; i < instances; i++) {
    const ranked = rankNodes(`${systemKey}/${service}/${i}`, live);
    const node = ranked.find(hasRoom) ?? ranked[0];
    const l = (load.get(node) ?? 0) + 1;
    if (l === base + 1) fuller++;
    load.set(node, l);
    out.push(node);
  }
  return out;
}

/** The instance numbers of a stream service that `nodeId` runs (ascending). */
export function instancesOf(
  nodeId: string,
  systemKey: string,
  service: string,
  instances: number,
  nodes: readonly string[],
): number[] {
  const placed = placeInstances(systemKey, service, instances, nodes);
  const mine: number[] = [];
  placed.forEach((node, i) => {
    if (node === nodeId) mine.push(i);
  });
  return mine;
}
