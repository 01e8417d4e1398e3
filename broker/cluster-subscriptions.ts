// Which persistent (clean=false, QoS > 0) subscriptions a node enqueues offline messages for. aedes asks
// the persistence (`subscriptionsByTopic`) on every QoS 1/2 publish; aedes-persistence-redis answers from
// an in-memory trie fed by its `$SYS/sub/add` / `$SYS/sub/rm` broadcast over Redis pub/sub, which the
// subscribing node awaits only for itself: another node could take a publish after the SUBACK but before
// the broadcast reached it (or never, when it is lost: pub/sub is at most once), and not queue the message.
// So the nodes also keep a log: every change of a client's subscriptions appends the client id to the
// Redis Stream `isobar:mqtt:sub-log` before aedes answers SUBACK/UNSUBACK, and every node answers
// `subscriptionsByTopic` from a trie of its own, caught up on that log first (one XRANGE, usually empty):
// a publish that follows a SUBACK in time finds the subscription on any node. A caught-up entry re-reads
// that client's subscriptions from Redis (the truth the log only points at), so replaying one twice or out
// of date is harmless. Entry ids are `<epoch>-<seq>` with seq counting up from 1 in each log (epoch: the
// millisecond the log began), so a node sees when entries were trimmed past it or Redis lost the log, and then
// re-reads every client's subscriptions. The broadcast still arrives and now only starts a catch-up early.
import type { Aedes } from 'aedes';
import type { Redis } from 'ioredis';
import QlobberSub from 'qlobber/aedes/qlobber-sub.js';
import type { Log } from '../runtime-api/log.js';
import { outageWarning, type RedisPair } from './cluster-redis.js';
import type { AsyncPersistence } from './internal.js';
import { MQTT_KEY_PREFIX } from './persistence.js';

/** The subscription log (a Redis Stream of client ids). */
export const SUB_LOG_KEY = `${MQTT_KEY_PREFIX}sub-log`;
/** aedes-persistence-redis' set of the client ids that have stored subscriptions. */
const CLIENTS_KEY = `${MQTT_KEY_PREFIX}clients`;
/** Entries the log keeps (about): a node further behind re-reads every client instead. */
const LOG_LENGTH = 10_000;
/** Entries one catch-up step reads. */
const BATCH = 500;

/**
 * Appends `clientId` with the next id of the log (a new log begins an epoch at Redis' clock), atomically.
 * Lua numbers are doubles: exact for any count of entries a log reaches.
 */
const APPEND = `
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local id
if #top == 0 then
  local now = redis.call('TIME')
  id = string.format('%.0f', now[1] * 1000 + math.floor(now[2] / 1000)) .. '-1'
else
  local epoch, seq = string.match(top[1][1], '^(%d+)%-(%d+)$')
  id = epoch .. '-' .. string.format('%.0f', tonumber(seq) + 1)
end
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], id, 'client', ARGV[1])`;

/** A subscription as aedes stores it, with the client it belongs to. */
interface StoredSubscription {
  topic: string;
  qos: number;
  clientId: string;
  rh?: number;
  rap?: boolean;
  nl?: boolean;
}

/** The subscription calls of aedes-persistence-redis this module wraps or reads. */
interface SubscriptionCalls {
  addSubscriptions(
    client: { id: string },
    subs: ReadonlyArray<{ topic: string; qos: number }>,
  ): Promise<void>;
  removeSubscriptions(client: { id: string }, topics: string[]): Promise<void>;
  subscriptionsByClient(client: { id: string }): Promise<Array<Omit<StoredSubscription, 'clientId'>>>;
  subscriptionsByTopic(topic: string): Promise<StoredSubscription[]>;
  countOffline(): Promise<{ subsCount: number; clientsCount: number }>;
  getClientList(topic: string): Iterable<string>;
}

/** A log entry's place: the log's epoch and the entry's number in it. */
interface At {
  readonly epoch: string;
  readonly seq: number;
}

const atOf = (id: string): At => {
  const [epoch, seq] = id.split('-');
  return { epoch, seq: Number(seq) };
};

/** Whether `entry` is the one right after `last` (the first of a log when this node saw none). */
const follows = (entry: At, last: At | undefined): boolean =>
  last === undefined ? entry.seq === 1 : entry.epoch === last.epoch && entry.seq === last.seq + 1;

/** Announces that `clientId`'s stored subscriptions changed, so every node re-reads them before it enqueues. */
export async function logSubscriptionChange(conn: Redis, clientId: string): Promise<void> {
  await conn.eval(APPEND, 1, SUB_LOG_KEY, clientId, LOG_LENGTH);
}

/** The node's side of the log, once the persistence answers from it. */
export interface SubscriptionSync {
  /** Call with the aedes instance: a subscription broadcast then starts a catch-up at once. */
  follow(aedes: Aedes): void;
}

/**
 * Makes `persistence` (aedes-persistence-redis) log every subscription change before it resolves and
 * answer the offline-enqueue look-ups from the log-fed trie; loads every stored subscription first.
 */
export async function syncSubscriptions(
  persistence: AsyncPersistence,
  redis: RedisPair,
  log: Log,
): Promise<SubscriptionSync> {
  const calls = persistence as AsyncPersistence & SubscriptionCalls;
  const trie = new QlobberSub({
    separator: '/',
    wildcard_one: '+',
    wildcard_some: '#',
    match_empty_levels: true,
  });
  // client id → topic → its subscription in the trie (what a re-read replaces)
  const byClient = new Map<string, Map<string, StoredSubscription>>();
  // the last entry this node applied; none when the log was empty
  let position: At | undefined;

  /** Makes the trie hold exactly `clientId`'s stored QoS > 0 subscriptions (QoS 0 queues nothing offline). */
  const reread = async (clientId: string): Promise<void> => {
    const stored = await calls.subscriptionsByClient({ id: clientId });
    const next = new Map<string, StoredSubscription>();
    for (const sub of stored) if (sub.qos > 0) next.set(sub.topic, { ...sub, clientId });
    for (const topic of byClient.get(clientId)?.keys() ?? []) {
      if (!next.has(topic)) trie.remove(topic, { clientId, topic });
    }
    for (const [topic, sub] of next) trie.add(topic, sub); // replaces the client's earlier QoS
    if (next.size > 0) byClient.set(clientId, next);
    else byClient.delete(clientId);
  };

  /** Re-reads every client: at start, and when the log no longer reaches back to this node's position. */
  const reload = async (): Promise<void> => {
    // the position first: entries appended during the re-read are replayed after it (harmlessly)
    const [top] = await redis.cmd.xrevrange(SUB_LOG_KEY, '+', '-', 'COUNT', 1);
    const ids = new Set([...(await redis.cmd.smembers(CLIENTS_KEY)), ...byClient.keys()]);
    await Promise.all([...ids].map(reread));
    position = top === undefined ? undefined : atOf(top[0]);
  };

  const catchUp = async (): Promise<void> => {
    for (;;) {
      const from = position === undefined ? '-' : `${position.epoch}-${String(position.seq + 1)}`;
      const entries = await redis.cmd.xrange(SUB_LOG_KEY, from, '+', 'COUNT', BATCH);
      if (entries.length === 0) return;
      if (!follows(atOf(entries[0][0]), position)) return reload();
      const clients = new Set(entries.map(([, fields]) => fields[1]));
      await Promise.all([...clients].map(reread));
      position = atOf(entries[entries.length - 1][0]);
      if (entries.length < BATCH) return;
    }
  };

  // One catch-up at a time; a look-up arriving during one waits for the next, which starts after it —
  // so the log is read after the look-up began (the running one may have read it before a SUBACK).
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  const start = (): Promise<void> => {
    const run = catchUp().finally(() => {
      running = undefined;
    });
    running = run;
    return run;
  };
  const caughtUp = (): Promise<void> => {
    if (queued !== undefined) return queued;
    if (running === undefined) return start();
    const next = running
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return start();
      });
    queued = next;
    return next;
  };

  const warning = outageWarning(log, 'subscription log not read: Redis error');
  /** Caught up, or (Redis away) as far as it got: the enqueue after it fails on Redis the same way. */
  const current = (): Promise<void> => caughtUp().then(warning.recovered, warning.failed);

  await reload();
  const add = calls.addSubscriptions.bind(persistence);
  const remove = calls.removeSubscriptions.bind(persistence);
  const countOffline = calls.countOffline.bind(persistence);
  Object.assign(persistence, {
    async addSubscriptions(client: { id: string }, subs: ReadonlyArray<{ topic: string; qos: number }>) {
      await add(client, subs);
      await logSubscriptionChange(redis.cmd, client.id);
    },
    // also what its cleanSubscriptions calls (through `this`)
    async removeSubscriptions(client: { id: string }, topics: string[]) {
      await remove(client, topics);
      await logSubscriptionChange(redis.cmd, client.id);
    },
    async subscriptionsByTopic(topic: string): Promise<StoredSubscription[]> {
      await current();
      return trie.match(topic);
    },
    async countOffline() {
      const { clientsCount } = await countOffline();
      return { subsCount: trie.subscriptionsCount, clientsCount };
    },
    *getClientList(topic: string): Iterable<string> {
      for (const sub of trie.match(topic, topic)) yield sub.clientId;
    },
  } satisfies Partial<SubscriptionCalls>);
  return {
    follow(aedes) {
      aedes.subscribe(
        '$SYS/sub/+',
        (_packet, done) => {
          void current();
          done();
        },
        () => undefined,
      );
    },
  };
}
