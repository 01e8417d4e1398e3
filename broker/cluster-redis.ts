// The broker's own Redis connections in cluster mode (besides the emitter's two and the persistence's
// one): one for commands and one for subscriptions, shared by the client-id registry, the cluster-wide
// subscription interest and the will claims. Both are ready (an event, not a poll) before the broker is.
import { Redis } from 'ioredis';

/** One command connection and one subscriber connection to the cluster's Redis. */
export interface RedisPair {
  readonly cmd: Redis;
  readonly sub: Redis;
  /** Handlers of messages on channels subscribed through `listen`. */
  listen(channel: string, handler: (message: string) => void): Promise<void>;
  close(): Promise<void>;
}

/** Opens the pair; rejects when Redis cannot be reached. */
export async function openRedisPair(url: string, name: string): Promise<RedisPair> {
  const options = { lazyConnect: true, connectionName: name, maxRetriesPerRequest: 3 };
  const cmd = new Redis(url, options);
  const sub = new Redis(url, options);
  const handlers = new Map<string, (message: string) => void>();
  sub.on('message', (channel: string, message: string) => handlers.get(channel)?.(message));
  // errors are retried by ioredis; an unhandled 'error' event would end the process
  cmd.on('error', () => {});
  sub.on('error', () => {});
  try {
    await Promise.all([cmd.connect(), sub.connect()]);
  } catch (err) {
    cmd.disconnect();
    sub.disconnect();
    throw err;
  }
  return {
    cmd,
    sub,
    async listen(channel, handler) {
      handlers.set(channel, handler);
      await sub.subscribe(channel);
    },
    async close() {
      await Promise.all([cmd.quit().catch(() => {}), sub.quit().catch(() => {})]);
    },
  };
}
