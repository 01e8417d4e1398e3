// The emitter aedes gets as `mq` in cluster mode: mqemitter-redis (every publish goes through one Redis
// PUBLISH and comes back to each node that subscribed), with three corrections of ours:
// - channels carry the `isobar:mq:` prefix, so the MQTT traffic of this platform stays in one room of a
//   Redis that may hold other things (the packet inside keeps its plain topic);
// - MQTT filters become Redis glob patterns with glob metacharacters escaped: upstream turns `+`/`#` into
//   `*` but leaves `[`, `?`, `\` and `*` as glob syntax, so a filter like `a/[x]/+` would never match the
//   topic `a/[x]/b` (a character class) — each node's local matcher filters again, so escaping is exact;
// - aedes' own cross-node takeover (`$SYS/+/new/clients`: close any local client with the id that just
//   connected elsewhere) is not installed: client ids are settled by the registry of cluster-ids.ts, which
//   follows the system's policy, and aedes' at-most-once broadcast must not undo a `reject`.
// - close ends both connections without waiting on Redis: upstream QUITs and waits for both `end`
//   events, which never come while Redis is away (aedes.close would never call back);
// - the subscriber connection sends nothing but (P)SUBSCRIBE: ioredis lets those through while its
//   handshake still runs (they are allowed while Redis loads), so a ready check (INFO) or CLIENT SETINFO
//   after the first reply is refused ("Connection in subscriber mode") and the connection restarts,
//   losing what was published meanwhile (ioredis issue 2037) — such as a `$SYS/sub/add` whose echo the
//   subscribing node's SUBACK waits for.
// The queue drain keeps broker/mq.ts' bounded recursion: messages coming back from Redis enter the same
// mqemitter `_do` as embedded ones.
import type { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import MQEmitterRedis from 'mqemitter-redis';
import type mqemitter from 'mqemitter';
import type { Clock } from '../runtime-api/clock.js';
import type { Log } from '../runtime-api/log.js';
import { endRedis, reportErrors } from './cluster-redis.js';
import { boundDrain } from './mq.js';

/** Prefix of every channel the broker's emitter uses on Redis. */
export const MQ_CHANNEL_PREFIX = 'isobar:mq:';

/** aedes' cross-node takeover broadcast, replaced by the client-id registry. */
const NEW_CLIENTS = '$SYS/+/new/clients';

type Message = mqemitter.Message;
type Listener = (message: Message, done: () => void) => void;

/** The mqemitter-redis internals we adjust (one instance, not the prototype). */
interface RedisEmitterInternals {
  _subTopic(topic: string): string;
  _emit(message: Message, callback?: (err?: Error) => void): void;
  on(topic: string, listener: Listener, done?: () => void): unknown;
  removeListener(topic: string, listener: Listener, done?: () => void): unknown;
  emit(message: Message, callback?: (err?: Error) => void): void;
  close(callback?: () => void): void;
  /** mqemitter's own close (marks it closed, calls back). */
  _close(callback: () => void): void;
  closing?: boolean;
  closed?: boolean;
  readonly subConn: Redis;
  readonly pubConn: Redis;
  readonly state: EventEmitter;
}

/** Called when this node starts or stops listening to a filter (cluster-wide hasSubscribers). */
export interface FilterWatch {
  added(filter: string): void;
  removed(filter: string): void;
}

/** Escapes Redis glob metacharacters, then maps MQTT wildcards to `*` (over-matching; filtered locally). */
export function redisPattern(filter: string): string {
  const levels = filter.split('/');
  let out = '';
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level === '#') {
      // `a/#` also matches `a` [MQTT-4.7.1-2]: the glob must not require the slash
      return out + '*';
    }
    if (i > 0) out += '/';
    out += level === '+' ? '*' : level.replace(/[\\*?[\]]/g, '\\$&');
  }
  return out;
}

const hasWildcard = (topic: string) => topic.includes('+') || topic.includes('#');

/** Creates the Redis emitter for one node. */
export function createRedisEmitter(options: {
  readonly redisUrl: string;
  readonly concurrency: number;
  readonly watch?: FilterWatch;
  readonly log: Log;
  readonly clock: Clock;
}): mqemitter.MQEmitter {
  const mq = MQEmitterRedis({
    connectionString: options.redisUrl,
    subConn: new Redis(options.redisUrl, { enableReadyCheck: false, disableClientInfo: true }),
    concurrency: options.concurrency,
    matchEmptyLevels: true, // [MQTT-4.7.1-3]
  });
  const inner = mq as unknown as RedisEmitterInternals;
  // Both connections' errors are re-emitted on `state`: unhandled there, they would end the process.
  // They are logged once per outage from the connections themselves (ioredis reconnects on its own).
  inner.state.on('error', () => undefined);
  reportErrors(inner.subConn, options.log, 'mq-sub');
  reportErrors(inner.pubConn, options.log, 'mq-pub');
  inner.close = (callback = () => undefined) => {
    if (inner.closed === true || inner.closing === true) return callback();
    inner.closing = true;
    void Promise.all([endRedis(inner.subConn, options.clock), endRedis(inner.pubConn, options.clock)]).then(
      () => inner._close(callback),
    );
  };
  inner._subTopic = (topic) => MQ_CHANNEL_PREFIX + (hasWildcard(topic) ? redisPattern(topic) : topic);
  const emit = inner.emit.bind(mq);
  inner.emit = (message, callback) =>
    emit({ ...message, topic: MQ_CHANNEL_PREFIX + message.topic }, callback);
  const localEmit = inner._emit.bind(mq);
  inner._emit = (message, callback) => {
    // decoded fresh from Redis: ours to change
    if (message.topic.startsWith(MQ_CHANNEL_PREFIX))
      message.topic = message.topic.slice(MQ_CHANNEL_PREFIX.length);
    localEmit(message, callback);
  };
  const on = inner.on.bind(mq);
  inner.on = (topic, listener, done) => {
    if (topic === NEW_CLIENTS) {
      if (done !== undefined) setImmediate(done);
      return mq;
    }
    options.watch?.added(topic);
    return on(topic, listener, done);
  };
  const removeListener = inner.removeListener.bind(mq);
  inner.removeListener = (topic, listener, done) => {
    options.watch?.removed(topic);
    return removeListener(topic, listener, done);
  };
  return boundDrain(mq as unknown as mqemitter.MQEmitter);
}
