// `$share/<group>/<filter>` across the nodes of a cluster (README "Shared subscriptions in a cluster"): the
// work queue mcollina sketched for aedes#228, on Redis Streams. The node where a publish enters XADDs it
// once per matching group to `isobar:share:<systemKey>:<group>:<filter>`; every node with members of the
// group reads that stream through one consumer group (consumer = its node id), hands each entry to one
// local member in turn and XACKs + XDELs it when the member acknowledges (QoS 0 and handlers: at once).
// Entries held by a node whose heartbeat key `isobar:node:<id>` is gone are claimed by a live node with
// members; those of a member that left go to another local member or, with none left, back to the stream.
// The groups in use are a Redis set per system (`isobar:share:<systemKey>`, one entry per node and group),
// cached by every publishing node and dropped from the cache on a `isobar:ch:share` message.
import type { AedesPublishPacket } from 'aedes';
import type { Clock } from '../runtime-api/clock.js';
import type { Log } from '../runtime-api/log.js';
import { topicMatches } from '../runtime-api/topics.js';
import { openRedis, outageWarning, type RedisPair } from './cluster-redis.js';
import type { AsyncPersistence } from './internal.js';
import {
  GroupMembers,
  createSender,
  pickMember,
  type Member,
  type SharedSubscriptions,
} from './shared-subscriptions.js';
import { fromInternal } from './tenancy.js';
import type { BrokerClusterOptions, ClientIdentity } from './types.js';

/** The shared-subscription registry of one node of a cluster, plus the publish side. */
export interface ClusterShare extends SharedSubscriptions {
  /** XADDs a packet entering on this node to each matching group; undefined when no group matches. */
  route(packet: AedesPublishPacket, publisher?: ClientIdentity): Promise<void> | undefined;
  /** aedes' `publish` event (this node only): routes what `route` has not seen (QoS 0, internal, wills). */
  published(packet: AedesPublishPacket, publisher?: ClientIdentity): void;
  /** Does a group known to this node take `topic` of `systemKey`? (true while the groups are loading) */
  hasGroup(systemKey: string, topic: string): boolean;
  /** Hands held entries back (members already left) and closes the connections. */
  close(): Promise<void>;
}

/** Entries kept per group stream when nobody reads it (`MAXLEN ~`): the bound of Redis memory per group. */
export const SHARE_STREAM_MAXLEN = 10000;
const GROUP = 'members';
const CHANNEL = 'isobar:ch:share';
const READ_COUNT = 16;
const CLAIM_BATCH = 100;
const setKey = (systemKey: string) => `isobar:share:${systemKey}`;
const nodeKey = (nodeId: string) => `isobar:node:${nodeId}`;
// `:` and `%` escaped in the group, so `<group>:<filter>` splits one way only (a filter may hold `:`)
const streamKey = (systemKey: string, group: string, filter: string) =>
  `isobar:share:${systemKey}:${group.replace(/%/g, '%25').replace(/:/g, '%3A')}:${filter}`;

// Atomic, so two live nodes never both take a dead node's entries: answers nil while the consumer's node
// is alive; else claims up to ARGV[4] of its pending entries for ARGV[3], deleting the consumer once empty.
const CLAIM_DEAD = `
if redis.call('EXISTS', KEYS[2]) == 1 then return false end
local p = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', tonumber(ARGV[4]), ARGV[2])
if #p == 0 then redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2]) return {} end
local ids = {}
for i, e in ipairs(p) do ids[i] = e[1] end
return redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, unpack(ids))`;

interface LocalGroup {
  readonly systemKey: string;
  readonly group: string;
  readonly filter: string;
  readonly stream: string;
  readonly members: Member[];
  next: number;
  /** Settles when the group is readable on this node (consumer group created, registered). */
  ready: Promise<void>;
}

interface Known {
  list?: Array<{ filter: string; stream: string }>;
  readonly ready: Promise<void>;
}

const noop = () => {};

/**
 * Opens the cluster-wide registry on the node's command and subscriber connections (`redis`, closed by
 * the node after this registry) plus a connection of its own for the blocking reader.
 */
export async function openClusterShare(
  options: BrokerClusterOptions,
  deps: { persistence: AsyncPersistence; log: Log; clock: Clock; redis: RedisPair },
): Promise<ClusterShare> {
  const { nodeId } = options;
  const { log, clock, redis } = deps;
  const { cmd } = redis;
  const heartbeatMs = Math.max(1, options.heartbeatS) * 1000;
  const [reader] = await openRedis(options.redisUrl, log, [`isobar:${nodeId}:share-read`]);

  const groups = new Map<string, LocalGroup>();
  const members = new GroupMembers<LocalGroup>();
  const known = new Map<string, Known>();
  const entryOf = new WeakMap<AedesPublishPacket, string>();
  const routed = new WeakSet<AedesPublishPacket>();
  const chains = new Map<string, Promise<void>>();
  /** Streams this node reads (registered, members here). */
  const active = new Set<string>();
  /** What each stream this node ever read belongs to: an entry read just as its group left is handed back. */
  const meta = new Map<string, { systemKey: string; group: string; filter: string }>();
  const send = createSender(deps.persistence, log);
  let closed = false;

  // ---- the publish side --------------------------------------------------------------------------
  const load = (systemKey: string): Known => {
    const entry: Known = {
      ready: cmd.smembers(setKey(systemKey)).then(
        (members) => {
          const byStream = new Map<string, string>();
          for (const m of members) {
            const [, group, filter] = m.split('\u0000');
            if (group !== undefined && filter !== undefined)
              byStream.set(streamKey(systemKey, group, filter), filter);
          }
          entry.list = [...byStream].map(([stream, filter]) => ({ stream, filter }));
        },
        (err: unknown) => {
          if (known.get(systemKey) === entry) known.delete(systemKey); // try again next publish
          throw err;
        },
      ),
    };
    known.set(systemKey, entry);
    return entry;
  };
  const forget = (systemKey: string) => known.delete(systemKey);
  void redis
    .listen(CHANNEL, forget)
    .catch((err: unknown) => log.error('share channel', { err: String(err) }));
  // pub/sub is at most once: after a reconnect nothing cached can be trusted
  redis.sub.on('ready', () => known.clear());

  const fieldsOf = (packet: AedesPublishPacket, publisher?: ClientIdentity): Array<string | Buffer> => {
    const isobar = (packet as { properties?: { isobar?: { hop?: number; publisher?: ClientIdentity } } })
      .properties?.isobar;
    const who = publisher ?? isobar?.publisher;
    const fields: Array<string | Buffer> = ['t', packet.topic, 'p', packet.payload as Buffer];
    fields.push('q', String(packet.qos), 'h', String(isobar?.hop ?? 0));
    // the token stays on the node it was presented to
    if (who !== undefined) fields.push('w', JSON.stringify({ ...who, token: undefined }));
    return fields;
  };
  const xadd = (stream: string, fields: Array<string | Buffer>) =>
    cmd.xadd(stream, 'MAXLEN', '~', SHARE_STREAM_MAXLEN, '*', ...fields);

  /** XADDs `packet` (`topic` is its topic within its system) to each group of `list` taking it. */
  const addTo = (
    list: Known['list'],
    topic: string,
    packet: AedesPublishPacket,
    publisher?: ClientIdentity,
  ) => {
    if (list === undefined) return undefined;
    const targets = list.filter((g) => topicMatches(g.filter, topic));
    if (targets.length === 0) return undefined;
    const fields = fieldsOf(packet, publisher);
    return Promise.all(targets.map((g) => xadd(g.stream, fields))).then(noop);
  };

  const route = (packet: AedesPublishPacket, publisher?: ClientIdentity) => {
    const where = fromInternal(packet.topic);
    if (where === undefined || closed) return undefined;
    const entry = known.get(where.systemKey) ?? load(where.systemKey);
    // commands go out in call order on one connection, so one publisher's messages keep their order
    if (entry.list !== undefined) return addTo(entry.list, where.topic, packet, publisher);
    return entry.ready.then(() => addTo(entry.list, where.topic, packet, publisher));
  };

  // ---- the consumer side -------------------------------------------------------------------------
  const ackEntry = (stream: string, id: string) => {
    cmd
      .multi()
      .xack(stream, GROUP, id)
      .xdel(stream, id)
      .exec()
      .catch((err: unknown) => log.warn('shared subscription ack failed', { err: String(err) }));
  };

  const toPacket = (fields: Buffer[]): AedesPublishPacket => {
    // the field names read once per entry (a scan per field read decoded each name again, up to 15 times)
    const byName = new Map<string, Buffer>();
    for (let i = fields.length - (fields.length % 2) - 2; i >= 0; i -= 2)
      byName.set(fields[i].toString(), fields[i + 1]); // backwards: the first of a repeated name wins
    const get = (name: string) => byName.get(name);
    const who = get('w');
    const qos = Number(get('q')?.toString() ?? 0);
    return {
      cmd: 'publish',
      topic: get('t')?.toString() ?? '',
      payload: get('p') ?? Buffer.alloc(0),
      qos: qos === 1 || qos === 2 ? qos : 0,
      retain: false,
      dup: false,
      properties: {
        isobar: {
          hop: Number(get('h')?.toString() ?? 0),
          publisher: who === undefined ? undefined : (JSON.parse(who.toString()) as ClientIdentity),
        },
      },
    } as unknown as AedesPublishPacket;
  };

  /** One entry this node holds to one local member; back to the stream when no member is left here. */
  const deliver = (stream: string, id: string, packet: AedesPublishPacket) => {
    entryOf.set(packet, id);
    const group = groups.get(stream);
    const member = group === undefined ? undefined : pickMember(group);
    if (member === undefined) {
      void release(stream, [packet]);
      return;
    }
    if (send(member, packet) === undefined) ackEntry(stream, id);
  };

  /** Entries this node can no longer deliver: re-added for the other nodes' members, or dropped if none. */
  const release = async (stream: string, packets: AedesPublishPacket[]) => {
    const g = meta.get(stream);
    if (packets.length === 0 || g === undefined) return;
    const members = await cmd.smembers(setKey(g.systemKey));
    const suffix = `\u0000${g.group}\u0000${g.filter}`;
    const elsewhere = members.some((m) => m.endsWith(suffix) && !m.startsWith(`${nodeId}\u0000`));
    const tx = cmd.multi();
    for (const packet of packets) {
      const id = entryOf.get(packet);
      if (elsewhere) tx.xadd(stream, 'MAXLEN', '~', SHARE_STREAM_MAXLEN, '*', ...fieldsOf(packet));
      if (id !== undefined) tx.xack(stream, GROUP, id).xdel(stream, id);
    }
    await tx.exec();
    if (!elsewhere)
      log.warn('shared subscription messages dropped: no member left', { count: packets.length });
  };

  // ---- the reader: one blocking XREADGROUP over every group this node has members of ----------------
  let wake: (() => void) | undefined;
  let readerId: number | undefined;
  let reading = false;
  const readerIdentity = () =>
    reader.client('ID').then(
      (id) => (readerId = Number(id)),
      () => (readerId = undefined),
    );
  reader.on('ready', () => void readerIdentity());
  await readerIdentity();
  const wakeReader = () => {
    wake?.();
    wake = undefined;
    // a blocked read sees the new stream list only when it returns: unblock it (its BLOCK bounds a miss)
    if (reading && readerId !== undefined) cmd.client('UNBLOCK', readerId).catch(noop);
  };
  const pause = () =>
    new Promise<void>((resolve) => {
      const cancel = clock.setTimer(heartbeatMs, () => resolve());
      wake = () => (cancel(), resolve());
    });
  const createGroup = (stream: string) =>
    cmd.xgroup('CREATE', stream, GROUP, '$', 'MKSTREAM').then(noop, (err: unknown) => {
      if (!String(err).includes('BUSYGROUP')) throw err;
    });

  // once per outage: Redis away fails every read and every sweep until it is back
  const readWarning = outageWarning(log, 'shared subscription read failed');
  const readLoop = async () => {
    while (!closed) {
      const streams = [...active];
      if (streams.length === 0) {
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      reading = true;
      let reply: unknown;
      try {
        const args = ['GROUP', GROUP, nodeId, 'COUNT', READ_COUNT, 'BLOCK', heartbeatMs, 'STREAMS'];
        reply = await reader.callBuffer('XREADGROUP', ...args, ...streams, ...streams.map(() => '>'));
      } catch (err) {
        reading = false;
        if (closed) return;
        // a group deleted under us (its last member left elsewhere while ours joined): make it again
        if (String(err).includes('NOGROUP')) await Promise.all(streams.map(createGroup)).catch(noop);
        else {
          readWarning.failed(err);
          await pause();
        }
        continue;
      }
      reading = false;
      readWarning.recovered();
      for (const [stream, entries] of streamEntries(reply))
        for (const [id, fields] of entries) deliver(stream, id, toPacket(fields));
    }
  };
  void readLoop();

  // ---- dead nodes: their held entries go to a live member; their registrations are removed ---------
  const claimDead = async (group: LocalGroup) => {
    const info = (await cmd.call('XINFO', 'CONSUMERS', group.stream, GROUP)) as unknown[];
    for (const consumer of info) {
      const name = fieldOf(consumer, 'name');
      if (name === undefined || name === nodeId) continue;
      for (let round = 0; round < 1000; round++) {
        const claimed = await cmd.callBuffer(
          'EVAL',
          CLAIM_DEAD,
          2,
          group.stream,
          nodeKey(name),
          GROUP,
          name,
          nodeId,
          CLAIM_BATCH,
        );
        const entries = entryList(claimed);
        if (entries.length === 0) break;
        log.info('shared subscription entries claimed from a dead node', {
          node: name,
          count: entries.length,
        });
        for (const [id, fields] of entries) deliver(group.stream, id, toPacket(fields));
      }
    }
  };
  const sweep = async () => {
    // a node that cannot see its own heartbeat (none written, or Redis lagging) judges nobody dead
    if ((await cmd.exists(nodeKey(nodeId))) === 0) return;
    const systems = new Set<string>();
    for (const group of [...groups.values()]) {
      systems.add(group.systemKey);
      await claimDead(group);
    }
    for (const systemKey of systems) {
      const entries = await cmd.smembers(setKey(systemKey));
      const nodes = [...new Set(entries.map((e) => e.split('\u0000')[0]))].filter((n) => n !== nodeId);
      const alive = await Promise.all(nodes.map((n) => cmd.exists(nodeKey(n))));
      const dead = new Set(nodes.filter((_n, i) => alive[i] === 0));
      const gone = entries.filter((e) => dead.has(e.split('\u0000')[0]));
      if (gone.length > 0) {
        await cmd.srem(setKey(systemKey), ...gone);
        await cmd.publish(CHANNEL, systemKey);
      }
    }
    known.clear(); // the channel is at most once: re-read the groups once per heartbeat
  };
  let cancelSweep = noop;
  const sweepWarning = outageWarning(log, 'shared subscription sweep failed');
  const scheduleSweep = () => {
    cancelSweep = clock.setTimer(heartbeatMs, () => {
      sweep()
        .then(sweepWarning.recovered, sweepWarning.failed)
        .finally(() => {
          if (!closed) scheduleSweep();
        });
    });
  };
  scheduleSweep();

  // ---- membership ------------------------------------------------------------------------------------
  /** Runs one registration change per stream at a time (a join racing the last leave of the same group). */
  const serial = (stream: string, fn: () => Promise<void>) => {
    const run = (chains.get(stream) ?? Promise.resolve()).then(fn);
    const settled = run.catch(noop);
    chains.set(stream, settled);
    void settled.then(() => {
      if (chains.get(stream) === settled) chains.delete(stream);
    });
    return run;
  };
  const registration = (g: LocalGroup) => `${nodeId}\u0000${g.group}\u0000${g.filter}`;

  const activate = (g: LocalGroup) =>
    serial(g.stream, async () => {
      await createGroup(g.stream);
      await cmd.sadd(setKey(g.systemKey), registration(g));
      await cmd.publish(CHANNEL, g.systemKey);
      meta.set(g.stream, g);
      active.add(g.stream);
      forget(g.systemKey);
      wakeReader();
      await claimDead(g).catch((err: unknown) =>
        log.warn('shared subscription claim failed', { err: String(err) }),
      );
    });

  const deactivate = (g: LocalGroup, held: AedesPublishPacket[]) =>
    serial(g.stream, async () => {
      if (groups.has(g.stream)) {
        // joined again meanwhile: the new members take what the old ones held
        for (const packet of held) deliver(g.stream, entryOf.get(packet) ?? '', packet);
        return;
      }
      active.delete(g.stream);
      wakeReader();
      await cmd.srem(setKey(g.systemKey), registration(g));
      await cmd.publish(CHANNEL, g.systemKey);
      forget(g.systemKey);
      await release(g.stream, held);
    }).catch((err: unknown) => log.warn('shared subscription leave failed', { err: String(err) }));

  /** A member left: its unacknowledged entries go to another local member, else back to the stream. */
  const handOn = (group: LocalGroup, member: Member) => {
    const client = member.client?.client;
    const held: AedesPublishPacket[] = [];
    for (const [messageId, packet] of member.pending) {
      if (client !== undefined && !client.clean)
        deps.persistence.outgoingClearMessageId(client, { messageId }).then(noop, noop);
      const next = pickMember(group, member);
      if (next === undefined) held.push(packet);
      else {
        const id = entryOf.get(packet);
        if (send(next, packet) === undefined && id !== undefined) ackEntry(group.stream, id);
      }
    }
    member.pending.clear();
    if (group.members.length === 0) {
      groups.delete(group.stream);
      void deactivate(group, held);
    }
  };

  return {
    join(systemKey, groupName, filter, qos, input) {
      const stream = streamKey(systemKey, groupName, filter);
      let group = groups.get(stream);
      if (members.rejoined(group, input.key, qos)) return Promise.resolve();
      if (group === undefined) {
        const created: LocalGroup = {
          systemKey,
          group: groupName,
          filter,
          stream,
          members: [],
          next: 0,
          ready: Promise.resolve(),
        };
        groups.set(stream, (group = created));
        created.ready = activate(created).catch((err: unknown) => {
          // not readable here: the members joined meanwhile are refused with it (their SUBSCRIBE fails)
          if (groups.get(stream) === created) groups.delete(stream);
          members.forget(created);
          throw err;
        });
      }
      members.add(group, { ...input, qos, pending: new Map() });
      return group.ready;
    },
    leave(systemKey, groupName, filter, key) {
      const group = groups.get(streamKey(systemKey, groupName, filter));
      const member = group === undefined ? undefined : members.remove(group, key);
      if (group !== undefined && member !== undefined) handOn(group, member);
      return Promise.resolve();
    },
    leaveAll(key) {
      members.removeEverywhere(key, handOn);
    },
    acked(key, messageId) {
      for (const group of members.groupsOf(key)) {
        for (const member of group.members) {
          if (member.key !== key) continue;
          const packet = member.pending.get(messageId);
          if (packet === undefined) continue;
          member.pending.delete(messageId);
          const id = entryOf.get(packet);
          if (id !== undefined) ackEntry(group.stream, id);
        }
      }
    },
    get groups() {
      return groups.size;
    },
    route(packet, publisher) {
      routed.add(packet); // before its PUBACK: the `publish` event that follows skips it
      return route(packet, publisher);
    },
    published(packet, publisher) {
      if (routed.has(packet)) return;
      route(packet, publisher)?.catch((err: unknown) =>
        log.error('shared subscription publish failed', { topic: packet.topic, err: String(err) }),
      );
    },
    hasGroup(systemKey, topic) {
      const list = (known.get(systemKey) ?? load(systemKey)).list;
      if (list === undefined) return true;
      return list.some((g) => topicMatches(g.filter, topic));
    },
    async close() {
      if (closed) return;
      closed = true;
      cancelSweep();
      await Promise.allSettled([...chains.values()]);
      wakeReader();
      reader.disconnect();
    },
  };
}

/** `[stream, [[id, fields]]]` pairs of an XREADGROUP reply read as buffers. */
function streamEntries(reply: unknown): Array<[string, Array<[string, Buffer[]]>]> {
  if (!Array.isArray(reply)) return [];
  const out: Array<[string, Array<[string, Buffer[]]>]> = [];
  for (const item of reply as unknown[]) {
    if (!Array.isArray(item) || item.length < 2) continue;
    out.push([String(item[0]), entryList(item[1])]);
  }
  return out;
}

/** `[id, fields]` pairs of an XCLAIM / XREADGROUP entry list; deleted entries (nil) are skipped. */
function entryList(value: unknown): Array<[string, Buffer[]]> {
  if (!Array.isArray(value)) return [];
  const out: Array<[string, Buffer[]]> = [];
  for (const entry of value as unknown[]) {
    if (!Array.isArray(entry) || entry.length < 2 || !Array.isArray(entry[1])) continue;
    out.push([String(entry[0]), (entry[1] as unknown[]).filter((f): f is Buffer => Buffer.isBuffer(f))]);
  }
  return out;
}

/** A field of one XINFO CONSUMERS row (a flat name/value list). */
function fieldOf(row: unknown, name: string): string | undefined {
  if (!Array.isArray(row)) return undefined;
  for (let i = 0; i + 1 < row.length; i += 2) if (String(row[i]) === name) return String(row[i + 1]);
  return undefined;
}
