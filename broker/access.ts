// Losing access ends access (DESIGN.md "Security model"). The ACL already asks BrokerAuth on every PUBLISH and
// SUBSCRIBE, but a connection outlives its CONNECT: its token expires, and subscriptions granted under a
// role keep delivering after the role is gone. This module watches admitted connections:
// - a timer per connection, on the injected clock, closes it when its token expires (and a packet that
//   races the timer is refused);
// - `recheck(systemKey)` re-authenticates every connection of the system (revoked, deleted, system gone →
//   closed) and drops each subscription — MQTT clients' and internal ones made for an identity (stream
//   services) — that the identity's roles no longer allow, so nothing more is delivered under it.
import type { Clock } from '../runtime-api/clock.js';
import type { Log } from '../runtime-api/log.js';
import type { Acl } from './acl.js';
import type { Session } from './client-ids.js';
import type { AsyncPersistence, ClientInternals } from './internal.js';
import { parsePlaceholder, stripFor } from './tenancy.js';
import type { BrokerAuth, ClientIdentity } from './types.js';

/** An internal subscription made for an identity (a service's), as `recheck` sees it. */
export interface InternalGrant {
  readonly systemKey: string;
  readonly identity: ClientIdentity;
  /** The plain filter (for `$share/g/f`, `f`). */
  readonly filter: string;
  /** Removes the subscription from the broker. */
  readonly drop: () => Promise<void>;
}

export interface LiveAccess {
  /** Watches an admitted connection until it closes: expiry timer, re-checks of its system. */
  track(session: Session, client: ClientInternals): void;
  /** True when the session's token has expired; the connection is then closed. Hot path: one comparison. */
  expired(session: Session): boolean;
  /** Watches an internal subscription; answers the function that stops watching it. */
  trackInternal(grant: InternalGrant): () => void;
  /** Re-authenticates every connection of the system and drops subscriptions its roles no longer allow. */
  recheck(systemKey: string): void;
  /** Connections watched (tests, stats). */
  readonly watched: number;
}

interface Watched {
  readonly session: Session;
  readonly client: ClientInternals;
  cancelTimer: () => void;
}

/** Builds the watcher over the broker's BrokerAuth, ACL, clock and persistence. */
export function createLiveAccess(deps: {
  auth: BrokerAuth;
  acl: Acl;
  log: Log;
  clock: Clock;
  persistence: AsyncPersistence;
}): LiveAccess {
  const { auth, acl, log, clock, persistence } = deps;
  const bySystem = new Map<string, Set<Watched>>();
  const internal = new Map<string, Set<InternalGrant>>();
  let watched = 0;

  const close = (session: Session, reason: string) => {
    log.info(`mqtt connection closed: ${reason}`, {
      systemKey: session.systemKey,
      clientId: session.clientId,
      who: session.identity.name,
      kind: session.identity.kind,
    });
    session.close();
  };

  // Node's timers cap a delay near 24.8 days; a longer-lived token re-arms until it is really due.
  const arm = (w: Watched, expiresAt: number) => {
    w.cancelTimer = clock.setTimer(expiresAt - clock.now(), () => {
      if (clock.now() >= expiresAt) close(w.session, 'token expired');
      else arm(w, expiresAt);
    });
  };

  const dropSubscriptions = (w: Watched) => {
    const { session, client } = w;
    const sk = session.systemKey;
    const lost: string[] = [];
    for (const topic of Object.keys(client.subscriptions)) {
      const share = parsePlaceholder(topic);
      const filter = share === undefined ? stripFor(sk, topic) : share.filter;
      if (filter === undefined) continue;
      if (!acl.stillAllowed(session.identity, filter)) lost.push(topic);
    }
    if (lost.length === 0) return;
    log.info('mqtt subscriptions dropped: no longer allowed', {
      systemKey: sk,
      clientId: session.clientId,
      who: session.identity.name,
      count: lost.length,
    });
    // No messageId: aedes unsubscribes without an UNSUBACK the client never asked for, and still emits
    // `unsubscribe` (shared-group membership is left there). A persistent session must not restore them.
    client.unsubscribe({ cmd: 'unsubscribe', unsubscriptions: lost }, () => {});
    if (!client.clean) persistence.removeSubscriptions(client, lost).catch(() => {});
  };

  return {
    track(session, client) {
      const w: Watched = { session, client, cancelTimer: () => {} };
      let set = bySystem.get(session.systemKey);
      if (set === undefined) bySystem.set(session.systemKey, (set = new Set()));
      set.add(w);
      watched++;
      const expiresAt = session.identity.expiresAt;
      if (expiresAt !== undefined) arm(w, expiresAt);
      session.conn.once('close', () => {
        w.cancelTimer();
        watched--;
        set.delete(w);
        if (set.size === 0 && bySystem.get(session.systemKey) === set) bySystem.delete(session.systemKey);
      });
    },

    expired(session) {
      const expiresAt = session.identity.expiresAt;
      if (expiresAt === undefined || clock.now() < expiresAt) return false;
      close(session, 'token expired');
      return true;
    },

    trackInternal(grant) {
      let set = internal.get(grant.systemKey);
      if (set === undefined) internal.set(grant.systemKey, (set = new Set()));
      set.add(grant);
      return () => {
        set.delete(grant);
        if (set.size === 0 && internal.get(grant.systemKey) === set) internal.delete(grant.systemKey);
      };
    },

    recheck(systemKey) {
      for (const w of [...(bySystem.get(systemKey) ?? [])]) {
        if (w.client.closed) continue;
        try {
          auth.authenticate(w.session.token, systemKey);
        } catch {
          close(w.session, 'access lost');
          continue;
        }
        dropSubscriptions(w);
      }
      for (const grant of [...(internal.get(systemKey) ?? [])]) {
        if (acl.stillAllowed(grant.identity, grant.filter)) continue;
        log.info('internal subscription dropped: no longer allowed', {
          systemKey,
          who: grant.identity.name,
          kind: grant.identity.kind,
          filter: grant.filter,
        });
        internal.get(systemKey)?.delete(grant);
        grant
          .drop()
          .catch((err: unknown) =>
            log.warn('internal subscription drop failed', { systemKey, err: String(err) }),
          );
      }
    },

    get watched() {
      return watched;
    },
  };
}
