// Wills of a dead node, fired once. aedes (aedes.js `_clearWills`) sweeps the stored wills every
// 4 heartbeats on every node and publishes those whose broker's last heartbeat is older than 3 heartbeats,
// then deletes them; nothing stops two live nodes whose sweeps overlap from both publishing the same will
// (its comment "randomize this" was never done). Here each will the persistence streams to a sweep (and
// to the start-up pass of messages.ts) must first be claimed on Redis — `SET isobar:will:<broker>:<client>
// <nodeId> NX PX <4 heartbeats>` — so exactly one node publishes it; if that node dies before deleting
// it, the claim lapses and the next sweep elsewhere publishes it (at least once, never lost).
//
// The bound (aedes 1.2, heartbeat h): a node records a peer's heartbeat when it arrives; the peer dies at
// D, its last heartbeat reached the others at H ≤ D (+ one Redis hop). A sweep at S publishes the will
// once S > H + 3h; sweeps run every 4h, so the first such sweep is at S ≤ H + 3h + 4h ≤ D + 7h. Wills
// therefore fire between 2h and 7h after the death (plus the Redis round trips of one sweep): 14 s with
// the default heartbeat of 2 s.
import type { AedesPublishPacket } from 'aedes';
import type { AsyncPersistence } from './internal.js';
import type { RedisPair } from './cluster-redis.js';

/** A stored will as the persistence streams it. */
type StoredWill = AedesPublishPacket & { clientId: string; brokerId?: string };

/** Makes `persistence.streamWill` yield only the wills this node claimed. */
export function claimWills(
  persistence: AsyncPersistence,
  redis: RedisPair,
  options: { readonly nodeId: string; readonly heartbeatS: number },
): void {
  const stream = persistence.streamWill.bind(persistence);
  const claimMs = 4 * options.heartbeatS * 1000;
  const claim = async (will: StoredWill) =>
    (await redis.cmd.set(
      `isobar:will:${will.brokerId ?? ''}:${will.clientId}`,
      options.nodeId,
      'PX',
      claimMs,
      'NX',
    )) === 'OK';
  persistence.streamWill = (brokers) => claimed(stream(brokers), claim);
}

async function* claimed(
  wills: AsyncIterable<StoredWill>,
  claim: (will: StoredWill) => Promise<boolean>,
): AsyncIterable<StoredWill> {
  for await (const will of wills) {
    if (await claim(will)) yield will;
  }
}
