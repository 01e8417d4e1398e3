// Shared subscriptions `$share/<group>/<filter>` (DESIGN.md "MQTT surface"; MQTT 5.0 §4.8.2; aedes has none). Each group is one
// aedes subscription on the internal filter; each message goes to one connected member in turn, at
// min(message QoS, member QoS). Members are MQTT clients or internal handlers (stream services).
// QoS 1/2 copies sent to a client are remembered until PUBACK / PUBREC; when the member leaves, those
// go to another member, so nothing is lost.
import type { Aedes, AedesPublishPacket } from 'aedes';
import type { Log } from '../runtime-api/log.js';
import type { Session } from './client-ids.js';
import type { AsyncPersistence, ClientInternals, DeliverFn } from './internal.js';
import { toInternal } from './tenancy.js';

/** How the broker reaches one MQTT member. */
export interface ClientMember {
  readonly session: Session;
  readonly client: ClientInternals;
  /** aedes' own deliver functions (before the broker's QoS wrapper). */
  readonly deliver0: DeliverFn;
  readonly deliverQoS: DeliverFn;
}

/** One member of one group on this node: an MQTT client or an internal handler. */
export interface Member {
  readonly key: object;
  qos: 0 | 1 | 2;
  readonly client?: ClientMember;
  readonly handler?: (packet: AedesPublishPacket) => void;
  /** messageId → the packet, for QoS 1/2 copies not yet acknowledged. */
  readonly pending: Map<number, AedesPublishPacket>;
}

interface Group {
  readonly key: string;
  readonly internalFilter: string;
  readonly members: Member[];
  next: number;
  readonly listener: (packet: AedesPublishPacket, done: () => void) => void;
}

/**
 * The members of a node's groups and, per member, the groups it is in: a closed connection leaves all of
 * its groups at once. Shared by the single-node groups here and the cluster's (cluster-share.ts).
 */
export class GroupMembers<G extends { readonly members: Member[] }> {
  readonly #byMember = new Map<object, Set<G>>();

  /** Adds the member to the group. */
  add(group: G, member: Member): void {
    group.members.push(member);
    let set = this.#byMember.get(member.key);
    if (set === undefined) this.#byMember.set(member.key, (set = new Set()));
    set.add(group);
  }

  /** A member joining a group it is already in only changes its QoS: true when that was the case. */
  rejoined(group: G | undefined, key: object, qos: 0 | 1 | 2): boolean {
    const existing = group?.members.find((m) => m.key === key);
    if (existing === undefined) return false;
    existing.qos = qos;
    return true;
  }

  /** Takes the member out of the group; undefined when it was not in it. */
  remove(group: G, key: object): Member | undefined {
    const index = group.members.findIndex((m) => m.key === key);
    if (index < 0) return undefined;
    const [member] = group.members.splice(index, 1);
    this.#byMember.get(key)?.delete(group);
    return member;
  }

  /** Takes the member out of every group it is in, handing each group and the member to `left`. */
  removeEverywhere(key: object, left: (group: G, member: Member) => void): void {
    const set = this.#byMember.get(key);
    if (set === undefined) return;
    this.#byMember.delete(key);
    for (const group of set) {
      const member = this.remove(group, key);
      if (member !== undefined) left(group, member);
    }
  }

  /** Drops a group that never became usable from its members' lists (its own list is left as it was). */
  forget(group: G): void {
    for (const m of group.members) this.#byMember.get(m.key)?.delete(group);
  }

  /** The groups the member is in. */
  groupsOf(key: object): Iterable<G> {
    return this.#byMember.get(key) ?? [];
  }
}

export interface SharedSubscriptions {
  /** Adds (or updates the QoS of) a member. `key` identifies it: the Session or an internal handle. */
  join(
    systemKey: string,
    group: string,
    filter: string,
    qos: 0 | 1 | 2,
    member: { key: object; client?: ClientMember; handler?: (packet: AedesPublishPacket) => void },
  ): Promise<void>;
  leave(systemKey: string, group: string, filter: string, key: object): Promise<void>;
  /** A member's connection closed: drop it everywhere and hand its unacknowledged messages on. */
  leaveAll(key: object): void;
  /** PUBACK, PUBREC or PUBCOMP from a member. */
  acked(key: object, messageId: number): void;
  readonly groups: number;
}

const SHARE_BROKER_ID = 'isobar-share';
const noop = () => {};

/** Creates the shared-subscription registry over one aedes broker. */
export function createSharedSubscriptions(deps: {
  aedes: Aedes;
  persistence: AsyncPersistence;
  log: Log;
}): SharedSubscriptions {
  const { aedes, persistence, log } = deps;
  const groups = new Map<string, Group>();
  const members = new GroupMembers<Group>();

  const sendTo = createSender(persistence, log);

  const makeGroup = (key: string, internalFilter: string): Group => {
    const group: Group = {
      key,
      internalFilter,
      members: [],
      next: 0,
      listener(packet, done) {
        done(); // call back first: waiting here would stall aedes (DESIGN.md, measured facts)
        const member = pickMember(group);
        if (member !== undefined) sendTo(member, packet);
      },
    };
    return group;
  };

  const keyOf = (systemKey: string, group: string, filter: string) =>
    `${systemKey}\u0000${group}\u0000${filter}`;

  /** A member left `group`: the group stops receiving once it has none. */
  const left = (group: Group) => {
    if (group.members.length > 0) return;
    groups.delete(group.key);
    aedes.unsubscribe(group.internalFilter, group.listener, noop);
  };

  const handOn = (group: Group, member: Member) => {
    const client = member.client?.client;
    for (const [messageId, packet] of member.pending) {
      if (client !== undefined && !client.clean) {
        persistence.outgoingClearMessageId(client, { messageId }).then(noop, noop);
      }
      const next = pickMember(group, member);
      if (next === undefined)
        log.warn('shared subscription message dropped: no member left', { topic: packet.topic });
      else sendTo(next, packet);
    }
    member.pending.clear();
  };

  return {
    join(systemKey, groupName, filter, qos, input) {
      const key = keyOf(systemKey, groupName, filter);
      let group = groups.get(key);
      if (members.rejoined(group, input.key, qos)) return Promise.resolve();
      const member: Member = { ...input, qos, pending: new Map() };
      let ready = Promise.resolve();
      if (group === undefined) {
        const created = makeGroup(key, toInternal(systemKey, filter));
        groups.set(key, (group = created));
        ready = new Promise((resolve) =>
          aedes.subscribe(created.internalFilter, created.listener, () => resolve()),
        );
      }
      members.add(group, member);
      return ready;
    },
    leave(systemKey, groupName, filter, memberKey) {
      const key = keyOf(systemKey, groupName, filter);
      const group = groups.get(key);
      if (group === undefined) return Promise.resolve();
      const member = members.remove(group, memberKey);
      if (member === undefined) return Promise.resolve();
      left(group);
      if (group.members.length > 0) handOn(group, member);
      return Promise.resolve();
    },
    leaveAll(memberKey) {
      members.removeEverywhere(memberKey, (group, member) => {
        left(group);
        handOn(group, member);
      });
    },
    acked(memberKey, messageId) {
      for (const group of members.groupsOf(memberKey)) {
        for (const member of group.members) if (member.key === memberKey) member.pending.delete(messageId);
      }
    },
    get groups() {
      return groups.size;
    },
  };
}

/**
 * Sends one message to one member at min(message QoS, member QoS); answers the packet id it now awaits a
 * PUBACK/PUBREC for (remembered in `member.pending`), or undefined when nothing is awaited (QoS 0, handlers).
 */
export function createSender(
  persistence: AsyncPersistence,
  log: Log,
): (member: Member, packet: AedesPublishPacket) => number | undefined {
  let counter = 0;
  return (member, packet) => {
    const qos = Math.min(packet.qos, member.qos) as 0 | 1 | 2;
    if (member.handler !== undefined) {
      member.handler(packet);
      return undefined;
    }
    const target = member.client;
    if (target === undefined) return undefined;
    const { client } = target;
    // A brokerId of our own keeps aedes' per-client dedupe from swallowing the copy when the same client
    // also holds an ordinary subscription matching the topic.
    const copy = {
      cmd: 'publish',
      topic: packet.topic,
      payload: packet.payload,
      qos,
      retain: false,
      dup: false,
      brokerId: SHARE_BROKER_ID,
      brokerCounter: ++counter,
      messageId: 0,
    } as AedesPublishPacket;
    if (qos === 0) {
      target.deliver0(copy, noop);
      return undefined;
    }
    copy.messageId = client._nextId;
    client._nextId = client._nextId >= 65535 ? 1 : client._nextId + 1;
    member.pending.set(copy.messageId, packet);
    if (client.clean) {
      target.deliverQoS(copy, noop);
    } else {
      persistence.outgoingEnqueue({ clientId: client.id }, copy).then(
        () => target.deliverQoS(copy, noop),
        (err: unknown) => log.error('shared subscription enqueue failed', { err: String(err) }),
      );
    }
    return copy.messageId;
  };
}

/** The group's next member in round robin, skipping `skip` (the member that is leaving); advances `next`. */
export function pickMember(
  group: { readonly members: readonly Member[]; next: number },
  skip?: Member,
): Member | undefined {
  const { members, next } = group;
  const n = members.length;
  for (let i = 0; i < n; i++) {
    const member = members[(next + i) % n];
    if (member !== skip) {
      group.next = next + i + 1;
      return member;
    }
  }
  return undefined;
}
