// Client ids across the nodes of a cluster (issue 16; aedes itself only takes over, through an at-most-once
// broadcast, so two racing CONNECTs can both survive — aedes#510). The owner of `<systemKey>:<clientId>` is
// recorded in Redis as `isobar:cid:<systemKey>:<clientId>` → `<nodeId>:<nonce>` (one nonce per admitted
// connection), with a lease of 3 heartbeats renewed every heartbeat by the owning node:
// - `reject` (ClearBlade's default): SET NX — Redis runs one SET at a time, so of two racing CONNECTs
//   exactly one is admitted and the other gets CONNACK 2;
// - `takeover`: SET … GET — the last SET owns the id and learns the previous owner, which it tells to
//   close its connection (channel `isobar:ch:cid`, or directly when on this node). A notice can overtake
//   the owner's own SET reply (two connections), so a node records its nonce before sending the SET and
//   a notice for a connection not yet admitted stops its admission.
// A disconnect deletes the key only if it still holds this connection's value (compare-and-delete in Lua).
// A renewal that finds another owner (a notice lost on pub/sub, or Redis restarted) closes the connection:
// the id keeps one owner even then. A dead node's ids are free once their lease runs out (≤ 3 heartbeats).
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from '../runtime-api/clock.js';
import type { Log } from '../runtime-api/log.js';
import type { Session } from './client-ids.js';
import type { RedisPair } from './cluster-redis.js';

const CHANNEL = 'isobar:ch:cid';

/** Redis key of a client id's owner (the internal id is `<systemKey>:<clientId>`). */
export const cidKey = (internalId: string) => `isobar:cid:${internalId}`;

/** Keeps the lease when the value is ours, takes the id back when it lapsed, else answers 0. */
const RENEW = `local v = redis.call('get', KEYS[1])
if v == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end
if not v then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;
/** Deletes the key only when it still names this connection. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

interface Scripts {
  isobarCidRenew(key: string, value: string, leaseMs: number): Promise<number>;
  isobarCidRelease(key: string, value: string): Promise<number>;
}

/** One connection's claim. */
interface Claim {
  readonly session: Session;
  readonly key: string;
  readonly value: string;
  /** Another CONNECT took the id over: close (or never admit) this one. */
  revoked: boolean;
}

/** The cluster-wide client-id registry of one node. */
export interface ClusterIds {
  /** Claims the session's id under `policy`; true = admit it, false = refuse it (CONNACK 2). */
  claim(session: Session, policy: 'reject' | 'takeover'): Promise<boolean>;
  /** The session's connection closed: frees its id if it still owns it. */
  release(session: Session): void;
  /** Stops renewing; waits for the releases already sent. */
  close(): Promise<void>;
}

/** Starts the registry (subscribes to takeover notices, renews leases every heartbeat). */
export async function createClusterIds(
  redis: RedisPair,
  options: { readonly nodeId: string; readonly heartbeatS: number },
  deps: { readonly clock: Clock; readonly log: Log },
): Promise<ClusterIds> {
  const { nodeId } = options;
  const heartbeatMs = options.heartbeatS * 1000;
  const leaseMs = 3 * heartbeatMs;
  const cmd = redis.cmd as Redis & Scripts;
  cmd.defineCommand('isobarCidRenew', { numberOfKeys: 1, lua: RENEW });
  cmd.defineCommand('isobarCidRelease', { numberOfKeys: 1, lua: RELEASE });
  const byValue = new Map<string, Claim>();
  const bySession = new Map<Session, Claim>();
  const releasing = new Set<Promise<unknown>>();

  const revoke = (value: string) => {
    const claim = byValue.get(value);
    if (claim === undefined) return;
    claim.revoked = true;
    deps.log.info('mqtt client id taken over on another node: connection closed', {
      systemKey: claim.session.systemKey,
      clientId: claim.session.clientId,
    });
    claim.session.close();
  };
  await redis.listen(CHANNEL, revoke);

  const tellOwner = (previous: string) => {
    if (previous.startsWith(`${nodeId}:`)) revoke(previous);
    else cmd.publish(CHANNEL, previous).catch(() => {});
  };

  const forget = (claim: Claim) => {
    byValue.delete(claim.value);
    if (bySession.get(claim.session) === claim) bySession.delete(claim.session);
    const sent = cmd.isobarCidRelease(claim.key, claim.value).catch(() => 0);
    releasing.add(sent);
    void sent.finally(() => releasing.delete(sent));
  };

  let stopped = false;
  let cancel: (() => void) | undefined;
  const renew = () => {
    if (stopped) return;
    for (const claim of bySession.values()) {
      cmd.isobarCidRenew(claim.key, claim.value, leaseMs).then(
        (kept) => {
          if (kept === 0 && byValue.has(claim.value)) revoke(claim.value);
        },
        () => {}, // Redis unreachable: the lease may lapse; the next renewal takes the id back
      );
    }
    cancel = deps.clock.setTimer(heartbeatMs, renew);
  };
  cancel = deps.clock.setTimer(heartbeatMs, renew);

  return {
    async claim(session, policy) {
      const claim: Claim = {
        session,
        key: cidKey(session.internalId),
        value: `${nodeId}:${randomUUID()}`,
        revoked: false,
      };
      byValue.set(claim.value, claim); // before the SET: a takeover notice may arrive before its reply
      bySession.set(session, claim);
      let owned: boolean;
      if (policy === 'reject') {
        owned = (await cmd.set(claim.key, claim.value, 'PX', leaseMs, 'NX')) === 'OK';
      } else {
        const previous = await cmd.set(claim.key, claim.value, 'PX', leaseMs, 'GET');
        if (previous !== null && previous !== claim.value) tellOwner(previous);
        owned = true;
      }
      if (!owned) {
        byValue.delete(claim.value);
        if (bySession.get(session) === claim) bySession.delete(session);
        return false;
      }
      if (claim.revoked || session.conn.destroyed) {
        if (byValue.has(claim.value)) forget(claim);
        return false;
      }
      return true;
    },
    release(session) {
      const claim = bySession.get(session);
      if (claim !== undefined) forget(claim);
    },
    async close() {
      stopped = true;
      cancel?.();
      for (const claim of [...bySession.values()]) forget(claim);
      await Promise.all([...releasing]);
    },
  };
}
