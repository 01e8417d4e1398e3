// The edge's on-disk queue of messages for the platform. Everything an edge sends up goes through it, so
// messages published while the uplink is down survive a restart and leave in the order they arrived.
// Bounded: past `limit` entries the oldest is dropped and reported (an edge offline for weeks must not
// fill its disk).
import type { Store } from '../store/index.js';

export interface OutboxEntry {
  readonly seq: number;
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: 0 | 1 | 2;
}

export interface Outbox {
  /** Appends a message; resolves once it is on disk. */
  add(topic: string, payload: Buffer, qos: 0 | 1 | 2): Promise<void>;
  /** Up to `limit` entries with `seq > after`, oldest first. */
  next(after: number, limit: number): Promise<OutboxEntry[]>;
  /** Forgets a delivered entry. */
  remove(seq: number): Promise<void>;
  size(): Promise<number>;
}

export interface OutboxOptions {
  /** Most messages kept; default 100000. */
  readonly limit?: number;
  /** Called with the number of messages dropped because the outbox was full. */
  readonly onOverflow?: (dropped: number, limit: number) => void;
  readonly now: () => number;
}

/** Creates the outbox over the edge's own store (table `edge_outbox`). */
export function createOutbox(store: Store, options: OutboxOptions): Outbox {
  const limit = options.limit ?? 100000;
  let count: number | undefined;
  // Adds are chained so their seq order is the call order even when callers do not await.
  let tail: Promise<void> = Promise.resolve();
  const size = async () => {
    if (count === undefined) {
      const row = await store.db
        .selectFrom('edge_outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      count = Number(row.n);
    }
    return count;
  };
  return {
    add(topic, payload, qos) {
      const run = async () => {
        const n = await size();
        await store.db
          .insertInto('edge_outbox')
          .values({ topic, payload, qos, created_at: options.now() })
          .execute();
        count = n + 1;
        if (count > limit) {
          const excess = count - limit;
          const oldest = await store.db
            .selectFrom('edge_outbox')
            .select('seq')
            .orderBy('seq')
            .limit(excess)
            .execute();
          await store.db
            .deleteFrom('edge_outbox')
            .where(
              'seq',
              'in',
              oldest.map((r) => r.seq),
            )
            .execute();
          count -= oldest.length;
          options.onOverflow?.(oldest.length, limit);
        }
      };
      const done = tail.then(run);
      tail = done.catch(() => undefined);
      return done;
    },
    async next(after, max) {
      const rows = await store.db
        .selectFrom('edge_outbox')
        .selectAll()
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(max)
        .execute();
      return rows.map((r) => ({
        seq: r.seq,
        topic: r.topic,
        payload: Buffer.isBuffer(r.payload) ? r.payload : Buffer.from(r.payload),
        qos: (r.qos === 1 || r.qos === 2 ? r.qos : 0) as 0 | 1 | 2,
      }));
    },
    async remove(seq) {
      const result = await store.db.deleteFrom('edge_outbox').where('seq', '=', seq).executeTakeFirst();
      if (count !== undefined) count -= Number(result.numDeletedRows);
    },
    size,
  };
}
