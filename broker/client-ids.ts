// Who is connected: one Session per admitted MQTT connection, indexed by internal client id (duplicate
// client-id policy, DESIGN.md "MQTT surface") and by token (closing a revoked token's connections).
import type { Duplex } from 'node:stream';
import type { ClientIdentity } from './types.js';

/** One admitted MQTT connection. */
export interface Session {
  readonly identity: ClientIdentity;
  readonly systemKey: string;
  /** The client id as sent (or generated for an empty one). */
  readonly clientId: string;
  /** `<systemKey>:<clientId>`: the id aedes and its persistence know. */
  readonly internalId: string;
  readonly token: string;
  readonly conn: Duplex;
  readonly address: string;
  /** Outgoing QoS 1/2 messages not yet acknowledged. */
  inflight: number;
  /** True once CONNACK 0 was sent (so `disconnected` is reported). */
  connected: boolean;
  /** Closes the connection (through aedes once it owns it). */
  close: () => void;
}

export interface ClientIds {
  /** The live session using `internalId`, if any. */
  holder(internalId: string): Session | undefined;
  /** Makes `session` the holder of its id and indexes its token. */
  claim(session: Session): void;
  /** Forgets `session` (only if it still holds its id). */
  release(session: Session): void;
  /** Sessions authenticated with `token`. */
  byToken(token: string): readonly Session[];
  readonly size: number;
}

/** Creates the registry. */
export function createClientIds(): ClientIds {
  const ids = new Map<string, Session>();
  const tokens = new Map<string, Set<Session>>();
  return {
    holder: (internalId) => ids.get(internalId),
    claim(session) {
      ids.set(session.internalId, session);
      let set = tokens.get(session.token);
      if (set === undefined) tokens.set(session.token, (set = new Set()));
      set.add(session);
    },
    release(session) {
      if (ids.get(session.internalId) === session) ids.delete(session.internalId);
      const set = tokens.get(session.token);
      if (set !== undefined) {
        set.delete(session);
        if (set.size === 0) tokens.delete(session.token);
      }
    },
    byToken: (token) => [...(tokens.get(token) ?? [])],
    get size() {
      return ids.size;
    },
  };
}
