// The durable aedes persistence: sessions, subscriptions, retained messages, in-flight QoS 1/2 and
// wills in a LevelDB under the data dir, so a restart keeps what MQTT promised to keep — or, in cluster
// mode, in the Redis every node shares (aedes-persistence-redis), so a session resumes on any node.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Level } from 'level';
import AsyncLevelPersistence from 'aedes-persistence-level/asyncPersistence.js';
import AsyncRedisPersistence from 'aedes-persistence-redis/asyncPersistence.js';
import { settlesWithin, type Clock } from '../runtime-api/clock.js';
import type { Log } from '../runtime-api/log.js';
import { endRedis, openRedis, REDIS_CLOSE_BOUND_MS } from './cluster-redis.js';
import type { AsyncPersistence } from './internal.js';

/** Opens (creating when missing) the LevelDB persistence at `<dataDir>/mqtt`. */
export async function openPersistence(dataDir: string): Promise<AsyncPersistence> {
  const dir = join(dataDir, 'mqtt');
  mkdirSync(dir, { recursive: true });
  const db = new Level<string, Buffer>(dir);
  await db.open();
  return closingAfterReads(new AsyncLevelPersistence(db) as AsyncPersistence & RetainedReads);
}

/** Prefix of every key the MQTT persistence writes in the cluster's Redis. */
export const MQTT_KEY_PREFIX = 'isobar:mqtt:';

/**
 * Messages a reconnecting persistent session gets from its stored queue: aedes-persistence-redis reads
 * only the first `maxSessionDelivery` of the list (default 1000) and leaves the rest until the next
 * reconnect; LevelDB streams the whole queue. Large, so a long offline queue is delivered at once too.
 */
const MAX_SESSION_DELIVERY = 100_000;

/**
 * Opens the shared Redis persistence (cluster mode). Its keys carry `isobar:mqtt:` (ioredis' keyPrefix
 * applies to every key argument, including the key names the persistence stores inside its lists).
 * Its retained reads are async iterators, made streams for aedes and ended before the connection closes.
 * Redis away: errors are logged once per outage, a retained read that fails ends its stream (aedes pipes
 * it without an error listener: the error would end the process), and `destroy()` is bounded.
 */
export async function openRedisPersistence(
  redisUrl: string,
  deps: { readonly log: Log; readonly clock: Clock },
): Promise<AsyncPersistence> {
  const [conn] = await openRedis(redisUrl, deps.log, ['isobar-mqtt-persistence'], {
    keyPrefix: MQTT_KEY_PREFIX,
    maxRetriesPerRequest: 20, // ioredis' default, as before: aedes' persistence calls ride out more retries
  });
  const persistence = new AsyncRedisPersistence({
    conn,
    maxSessionDelivery: MAX_SESSION_DELIVERY,
  }) as AsyncPersistence & RetainedIterators;
  // aedes 1.2 pipes the retained read of a SUBSCRIBE: it must be a stream, not the async iterator
  const combi = persistence.createRetainedStreamCombi.bind(persistence);
  const single = persistence.createRetainedStream.bind(persistence);
  const guarded = (reads: AsyncIterable<unknown>): Readable =>
    Readable.from(reads).on('error', (err: Error) =>
      deps.log.warn('retained messages not read: Redis error', { err: err.message }),
    );
  const destroy = persistence.destroy.bind(persistence);
  return closingAfterReads(
    Object.assign(persistence, {
      createRetainedStreamCombi: (patterns: string[]) => guarded(combi(patterns)),
      createRetainedStream: (pattern: string) => guarded(single(pattern)),
      async destroy() {
        // its own QUIT waits for Redis; bounded, then the connection is ended either way
        await settlesWithin(destroy(), REDIS_CLOSE_BOUND_MS, deps.clock);
        await endRedis(conn, deps.clock);
      },
    }),
  );
}

/** aedes-persistence-redis' retained reads: async iterators. */
interface RetainedIterators {
  createRetainedStreamCombi(patterns: string[]): AsyncIterable<unknown>;
  createRetainedStream(pattern: string): AsyncIterable<unknown>;
}

/** The retained-message reads aedes starts for a SUBSCRIBE (aedes-persistence-level's streams). */
interface RetainedReads {
  createRetainedStreamCombi(patterns: string[]): Readable;
  createRetainedStream(pattern: string): Readable;
}

/**
 * aedes' close does not wait for retained-message reads a SUBSCRIBE already started; closing LevelDB
 * under one throws "Iterator is not open" from a stream nobody handles. So `destroy()` first ends every
 * read still open (its LevelDB iterator closes with it), then closes the database.
 */
function closingAfterReads(persistence: AsyncPersistence & RetainedReads): AsyncPersistence {
  const open = new Set<Readable>();
  const track = (stream: Readable): Readable => {
    open.add(stream);
    stream.once('close', () => open.delete(stream));
    return stream;
  };
  const combi = persistence.createRetainedStreamCombi.bind(persistence);
  const single = persistence.createRetainedStream.bind(persistence);
  const destroy = persistence.destroy.bind(persistence);
  persistence.createRetainedStreamCombi = (patterns) => track(combi(patterns));
  persistence.createRetainedStream = (pattern) => track(single(pattern));
  persistence.destroy = async () => {
    await Promise.all(
      [...open].map(
        (stream) =>
          new Promise<void>((resolve) => {
            stream.once('close', () => resolve());
            stream.destroy();
          }),
      ),
    );
    await destroy();
  };
  return persistence;
}
