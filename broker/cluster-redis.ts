// The broker's own Redis connections in cluster mode (besides the emitter's two and the persistence's
// one): one for commands and one for subscriptions, shared by the client-id registry, the cluster-wide
// subscription interest, the will claims and the shared subscriptions (cluster-share.ts, which opens only
// its blocking reader besides). Both are ready (an event, not a poll) before the broker is.
// Also what every broker connection needs to live through a Redis outage: an `error` listener that logs
// once per outage (ioredis retries on its own and errors again on every retry; an `error` event nobody
// listens to ends the process), and an end that never waits on Redis (a QUIT sent while Redis is away is
// queued until it is back, and `disconnect()` between two retries emits no `end`).
import { Redis, type RedisOptions } from 'ioredis';
import { settlesWithin, type Clock } from '../runtime-api/clock.js';
import type { Log } from '../runtime-api/log.js';

/** How long a close waits for one Redis step (QUIT, a last DEL) before it goes on without it. */
export const REDIS_CLOSE_BOUND_MS = 2000;

/** One command connection and one subscriber connection to the cluster's Redis. */
export interface RedisPair {
  readonly cmd: Redis;
  readonly sub: Redis;
  /** Handlers of messages on channels subscribed through `listen`. */
  listen(channel: string, handler: (message: string) => void): Promise<void>;
  close(): Promise<void>;
}

/**
 * Logs `conn`'s errors: the first of an outage at warn, the rest counted and summed up when the
 * connection is ready again — so a Redis away for an hour writes two lines, not one per retry.
 */
export function reportErrors(conn: Redis, log: Log, role: string): void {
  let failing = false;
  let suppressed = 0;
  conn.on('error', (err: Error) => {
    if (failing) {
      suppressed++;
      return;
    }
    failing = true;
    log.warn('redis connection error', { role, err: err.message });
  });
  conn.on('ready', () => {
    if (failing) log.info('redis connection back', { role, errorsSinceFirst: suppressed });
    failing = false;
    suppressed = 0;
  });
}

/** A warning for a failure that repeats while Redis is away: logged at its first failure of each outage. */
export interface OutageWarning {
  failed(err: unknown): void;
  /** The operation worked again: the next failure is a new outage. */
  recovered(): void;
}

/** Logs `message` once per outage of whatever calls `failed` on every retry (a loop, a timer, a look-up). */
export function outageWarning(log: Log, message: string): OutageWarning {
  let failing = false;
  return {
    failed(err) {
      if (!failing) log.warn(message, { err: String(err) });
      failing = true;
    },
    recovered() {
      failing = false;
    },
  };
}

/** Ends `conn` without waiting on a Redis that is away: QUIT (bounded) when it is up, else at once. */
export async function endRedis(conn: Redis, clock: Clock, boundMs = REDIS_CLOSE_BOUND_MS): Promise<void> {
  if (ended(conn)) return;
  if (conn.status === 'ready') await settlesWithin(conn.quit(), boundMs, clock);
  // Commands still queued for a Redis that is away never settle now; no close awaits them unbounded.
  if (!ended(conn)) conn.disconnect();
}

/** Whether `conn` is closed for good (a function, so a check after an await reads the status again). */
const ended = (conn: Redis): boolean => conn.status === 'end';

/**
 * Opens one connection per name (its CLIENT SETNAME and its role in the logs), each logging its errors
 * once per outage; rejects, with every one of them ended, when Redis cannot be reached.
 */
export async function openRedis(
  url: string,
  log: Log,
  names: readonly string[],
  options: RedisOptions = {},
): Promise<Redis[]> {
  const conns = names.map((connectionName) => {
    const conn = new Redis(url, { maxRetriesPerRequest: 3, ...options, lazyConnect: true, connectionName });
    reportErrors(conn, log, connectionName);
    return conn;
  });
  try {
    await Promise.all(conns.map((conn) => conn.connect()));
  } catch (err) {
    for (const conn of conns) conn.disconnect();
    throw err;
  }
  return conns;
}

/** Opens the pair; rejects when Redis cannot be reached. */
export async function openRedisPair(
  url: string,
  name: string,
  deps: { readonly log: Log; readonly clock: Clock },
): Promise<RedisPair> {
  const [cmd, sub] = await openRedis(url, deps.log, [`${name}:cmd`, `${name}:sub`]);
  const handlers = new Map<string, (message: string) => void>();
  sub.on('message', (channel: string, message: string) => handlers.get(channel)?.(message));
  return {
    cmd,
    sub,
    async listen(channel, handler) {
      handlers.set(channel, handler);
      await sub.subscribe(channel);
    },
    async close() {
      await Promise.all([endRedis(cmd, deps.clock), endRedis(sub, deps.clock)]);
    },
  };
}
