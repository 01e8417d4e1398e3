// Shared-cache entries in Redis (cluster mode): a cache is shared by every run of a system, and runs land
// on any node, so its entries live where every node sees them. One key per entry,
// `isobar:cache:<systemKey>:<cache>:<key>`, expiring by itself (PX); beside them one sorted set per cache,
// `isobar:cache:<systemKey>:<cache>`, of its keys scored by expiry, which bounds the entry count exactly as
// on one node (CB_ERR_CACHE_FULL) and lists the entries without a SCAN. Every write is one Lua script, so
// the bound and setnx hold when runs on several nodes write at once; expiry uses Redis's own clock (TIME),
// the one PX uses. Definitions stay in the store (caches.ts) and reach every node by the change feed.
import type { Redis } from 'ioredis';
import { endRedis } from '../../broker/cluster-redis.js';
import type { Clock } from '../kernel/clock.js';
import { IsobarError } from '../../runtime-api/errors/index.js';
import { cacheKeyOf, cacheTtlOf, checkEntrySize, type CacheLimits, type Caches } from './caches.js';
import type { CacheEntries } from './entries.js';

const ROOM = 'isobar:cache:';

/** Milliseconds of Redis's clock, and the index swept of what has expired by it. */
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[#KEYS], '-inf', now)
`;

/** One write: 1 done, 0 setnx found a live entry, -1 the cache is full. */
const SET_ONE = `${NOW}
if ARGV[5] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then
  return -1
end
local px = tonumber(ARGV[3])
if px > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', px)
  redis.call('ZADD', KEYS[2], now + px, ARGV[1])
else
  redis.call('SET', KEYS[1], ARGV[2])
  redis.call('ZADD', KEYS[2], '+inf', ARGV[1])
end
return 1`;

/** A batch, all or nothing: KEYS = entries then the index; ARGV = px, max, members…, texts…. */
const SET_MANY = `${NOW}
local n = #KEYS - 1
local index = KEYS[n + 1]
local adding = 0
for i = 1, n do
  if not redis.call('ZSCORE', index, ARGV[2 + i]) then adding = adding + 1 end
end
if redis.call('ZCARD', index) + adding > tonumber(ARGV[2]) then return -1 end
local px = tonumber(ARGV[1])
for i = 1, n do
  if px > 0 then
    redis.call('SET', KEYS[i], ARGV[2 + n + i], 'PX', px)
    redis.call('ZADD', index, now + px, ARGV[2 + i])
  else
    redis.call('SET', KEYS[i], ARGV[2 + n + i])
    redis.call('ZADD', index, '+inf', ARGV[2 + i])
  end
end
return 1`;

/** Every live entry as [key, text, key, text, …]; ARGV[1] is the entries' key prefix. */
const GET_ALL = `${NOW}
local out = {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local v = redis.call('GET', ARGV[1] .. m)
  if v then
    out[#out + 1] = m
    out[#out + 1] = v
  end
end
return out`;

/** Every entry and the index of one cache. */
const FLUSH = `
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do redis.call('DEL', ARGV[1] .. m) end
redis.call('DEL', KEYS[1])
return 1`;

/** The index key of one cache. */
export function cacheIndexKey(systemKey: string, name: string): string {
  return `${ROOM}${systemKey}:${name}`;
}

/** The Redis key of one entry. */
export function cacheEntryKey(systemKey: string, name: string, key: string): string {
  return `${cacheIndexKey(systemKey, name)}:${key}`;
}

const glob = (text: string) => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

/**
 * Builds the entries on Redis; `caches` answers whether a cache is defined and its default ttl. The
 * connection is the caller's and is closed by `close()`.
 */
export function redisEntries(
  redis: Redis,
  caches: Caches,
  limits: Pick<CacheLimits, 'maxValueBytes' | 'maxEntries'>,
  clock: Clock,
): CacheEntries {
  const check = (key: string, text: string): void => checkEntrySize(limits.maxValueBytes, key, text);
  const full = (name: string) => new IsobarError('CB_ERR_CACHE_FULL', { name, limit: limits.maxEntries });
  const pxOf = (systemKey: string, name: string, ttl: unknown): number =>
    cacheTtlOf(ttl, caches.get(systemKey, name).ttl) * 1000;

  return {
    async get(systemKey, name, key) {
      caches.get(systemKey, name);
      const text = await redis.get(cacheEntryKey(systemKey, name, cacheKeyOf(key)));
      return text ?? undefined;
    },
    async getAll(systemKey, name) {
      caches.get(systemKey, name);
      const flat = (await redis.eval(
        GET_ALL,
        1,
        cacheIndexKey(systemKey, name),
        `${cacheIndexKey(systemKey, name)}:`,
      )) as string[];
      const out: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i] ?? ''] = flat[i + 1] ?? '';
      return out;
    },
    async set(systemKey, name, key, text, ttl, onlyIfAbsent) {
      const px = pxOf(systemKey, name, ttl);
      const k = cacheKeyOf(key);
      check(k, text);
      const done = (await redis.eval(
        SET_ONE,
        2,
        cacheEntryKey(systemKey, name, k),
        cacheIndexKey(systemKey, name),
        k,
        text,
        String(px),
        String(limits.maxEntries),
        onlyIfAbsent ? '1' : '0',
      )) as number;
      if (done === -1) throw full(name);
      return done === 1;
    },
    async setMultiple(systemKey, name, pairs, ttl) {
      const px = pxOf(systemKey, name, ttl);
      // All checked before any is written: a refused batch changes nothing.
      const keys = pairs.map(([k, text]) => {
        const clean = cacheKeyOf(k);
        check(clean, text);
        return clean;
      });
      if (keys.length === 0) return;
      const done = (await redis.eval(
        SET_MANY,
        keys.length + 1,
        ...keys.map((k) => cacheEntryKey(systemKey, name, k)),
        cacheIndexKey(systemKey, name),
        String(px),
        String(limits.maxEntries),
        ...keys,
        ...pairs.map(([, text]) => text),
      )) as number;
      if (done === -1) throw full(name);
    },
    async delete(systemKey, name, key) {
      caches.get(systemKey, name);
      const k = cacheKeyOf(key);
      await redis
        .multi()
        .del(cacheEntryKey(systemKey, name, k))
        .zrem(cacheIndexKey(systemKey, name), k)
        .exec();
    },
    async flush(systemKey, name) {
      caches.get(systemKey, name);
      await dropCache(redis, systemKey, name);
    },
    async close() {
      // Never waits on a Redis that is away (a QUIT would be queued until it is back).
      await endRedis(redis, clock);
    },
  };
}

/** Drops the entries of one cache, or (`name` undefined) of every cache of a system, whether defined or not. */
export async function dropCache(redis: Redis, systemKey: string, name: string | undefined): Promise<void> {
  if (name !== undefined) {
    const index = cacheIndexKey(systemKey, name);
    await redis.eval(FLUSH, 1, index, `${index}:`);
    return;
  }
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${ROOM}${glob(systemKey)}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
