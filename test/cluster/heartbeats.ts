// Waiting for "within the bound" without sleeping: each node renews `isobar:node:<id>` every heartbeat
// (services/cluster/membership.ts) and catches up on changes after it (services/cluster/feed.ts: a change
// is applied on every node within one heartbeat). Redis keyspace notifications turn each renewal into an
// event: after two renewals of a node that follow a change, the change has been applied there.
import { Redis } from 'ioredis';
import type { NodeId } from './harness.js';

export interface HeartbeatWatch {
  /** Resolves after each of `nodes` renewed its heartbeat key `count` times from now; bounded. */
  after(nodes: readonly NodeId[], count: number, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Turns on keyspace events for string commands and listens to the node keys. */
export async function watchHeartbeats(redisUrl: string): Promise<HeartbeatWatch> {
  const admin = new Redis(redisUrl);
  await admin.config('SET', 'notify-keyspace-events', 'K$');
  const sub = new Redis(redisUrl);
  const listeners = new Set<(node: string) => void>();
  sub.on('pmessage', (_pattern: string, channel: string) => {
    const node = channel.slice(channel.lastIndexOf(':') + 1);
    for (const l of [...listeners]) l(node);
  });
  await sub.psubscribe('__keyspace@*__:isobar:node:*');
  return {
    after(nodes, count, timeoutMs) {
      const left = new Map(nodes.map((n) => [n as string, count]));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(on);
          reject(new Error(`heartbeats still awaited after ${timeoutMs} ms: ${JSON.stringify([...left])}`));
        }, timeoutMs);
        const on = (node: string) => {
          const n = left.get(node);
          if (n === undefined) return;
          if (n <= 1) left.delete(node);
          else left.set(node, n - 1);
          if (left.size > 0) return;
          clearTimeout(timer);
          listeners.delete(on);
          resolve();
        };
        listeners.add(on);
      });
    },
    async close() {
      sub.disconnect();
      admin.disconnect();
    },
  };
}
