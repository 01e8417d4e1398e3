// The aedes hooks: tenancy and ACL on the way in (authorizePublish, authorizeSubscribe), tenancy on the
// way out (authorizeForward), and the session binding at CONNECT (authenticate). The CONNECT itself was
// already settled by the connect gate (auth.ts); aedes' callback hooks are adapted here, once.
// A PUBLISH or SUBSCRIBE of a connection whose token has expired is refused and the connection closed
// (the expiry timer of access.ts normally closed it already; this covers a packet racing the timer).
import type { AedesOptions, AedesPublishPacket, Client } from 'aedes';
import { parseShared, publishTopicProblem } from '../runtime-api/topics.js';
import { IsobarError } from '../runtime-api/errors/index.js';
import type { Log } from '../runtime-api/log.js';
import type { Acl } from './acl.js';
import type { Session } from './client-ids.js';
import { internals } from './internal.js';
import type { ClientMember, SharedSubscriptions } from './shared-subscriptions.js';
import {
  SINK_TOPIC,
  isInternal,
  parsePlaceholder,
  sharePlaceholder,
  stripFor,
  toInternal,
} from './tenancy.js';

export interface HookContext {
  readonly acl: Acl;
  readonly log: Log;
  readonly shared: SharedSubscriptions;
  /** True (and the connection closed) when the session's token has expired. */
  expired(session: Session): boolean;
  /** The session of an admitted client. */
  session(client: Client): Session | undefined;
  /** How shared subscriptions reach this client. */
  member(client: Client): ClientMember | undefined;
  /**
   * Work an allowed QoS 1/2 PUBLISH waits for before aedes acknowledges it (durable message history),
   * or undefined. A rejection closes the connection unacknowledged, so the client sends it again.
   */
  beforeAck?(packet: AedesPublishPacket, session: Session): Promise<void> | undefined;
}

type Hooks = Required<
  Pick<AedesOptions, 'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'>
>;

/** Builds the four aedes hooks over the broker's sessions, ACL and shared subscriptions. */
export function createHooks(ctx: HookContext): Hooks {
  const { acl, log } = ctx;
  const notAdmitted = Object.assign(new Error('connection was not admitted'), { returnCode: 5 as const });
  return {
    authenticate(client, _username, _password, done) {
      const session = ctx.session(client);
      if (session === undefined) return done(notAdmitted, false);
      const c = internals(client);
      c.id = session.internalId;
      const will = c._will;
      if (will !== null && will !== undefined) {
        const problem = publishTopicProblem(will.topic);
        if (problem !== undefined || !acl.canPublish(session.identity, will.topic, session.clientId)) {
          log.info('mqtt will dropped', { clientId: session.clientId, topic: will.topic, problem });
          c._will = null;
        } else {
          will.topic = toInternal(session.systemKey, will.topic);
        }
      }
      done(null, true);
    },

    authorizePublish(client, packet, done) {
      // no client: a will left by a previous process, authorised when its client connected
      if (client === null) return done(null);
      const session = ctx.session(client);
      if (session === undefined) return done(new Error('unknown session'));
      if (ctx.expired(session)) return done(new IsobarError('CB_ERR_AUTH_EXPIRED_TOKEN'));
      let topic: string | undefined = packet.topic;
      if (isInternal(topic)) topic = stripFor(session.systemKey, topic); // a will, already internal
      if (topic !== undefined && acl.canPublish(session.identity, topic, session.clientId)) {
        packet.topic = toInternal(session.systemKey, topic);
        // aedes 1.2 writes the QoS 1 PUBACK before `broker.publish`: only this hook can hold it back.
        const held = packet.qos > 0 ? ctx.beforeAck?.(packet as AedesPublishPacket, session) : undefined;
        if (held !== undefined) {
          held.then(
            () => done(null),
            (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
          );
          return;
        }
      } else {
        // dropped, yet QoS 1/2 are still acknowledged: nothing subscribes to the sink
        packet.topic = SINK_TOPIC;
        packet.retain = false;
      }
      done(null);
    },

    authorizeSubscribe(client, sub, done) {
      const session = ctx.session(client);
      if (session === undefined) return done(null, null);
      if (ctx.expired(session)) return done(new IsobarError('CB_ERR_AUTH_EXPIRED_TOKEN'));
      const sk = session.systemKey;
      const qos = Math.min(sub.qos, 2) as 0 | 1 | 2;
      let filter: string | undefined = sub.topic;
      let share: { group: string; filter: string } | undefined;
      if (isInternal(filter)) {
        // restoring a persistent session: stored in internal form, checked again against today's roles
        const placeholder = parsePlaceholder(filter);
        if (placeholder !== undefined) share = placeholder.systemKey === sk ? placeholder : undefined;
        filter = share === undefined ? stripFor(sk, filter) : share.filter;
        if (filter === undefined) return done(null, null);
      } else {
        share = parseShared(filter);
        if (share !== undefined) filter = share.filter;
      }
      if (!acl.canSubscribe(session.identity, filter, session.clientId)) {
        // a harmless internal form, in case aedes persists the refused entry with the granted ones
        sub.topic = `${sk}\u0000denied/${filter}`;
        return done(null, null);
      }
      if (share !== undefined) {
        const member = ctx.member(client);
        if (member === undefined) return done(null, null);
        sub.topic = sharePlaceholder(sk, share.group, filter);
        ctx.shared.join(sk, share.group, filter, qos, { key: session, client: member }).then(
          () => done(null, sub),
          (err: unknown) => done(err as Error),
        );
        return;
      }
      sub.topic = toInternal(sk, filter);
      done(null, sub);
    },

    authorizeForward(client, packet) {
      const session = ctx.session(client);
      if (session === undefined) return null;
      const topic = stripFor(session.systemKey, packet.topic);
      if (topic !== undefined) {
        packet.topic = topic;
        return packet;
      }
      // already client-visible (an unacknowledged message stored after its first sending), or foreign
      return isInternal(packet.topic) ? null : packet;
    },
  };
}
