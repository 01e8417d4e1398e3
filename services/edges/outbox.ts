// The edge's on-disk queue of messages for the platform. Everything an edge sends up goes through it, so
// messages published while the uplink is down survive a restart and leave in the order they arrived.
// Bounded: past `limit` entries the oldest is dropped and reported (an edge offline for weeks must not
// fill its disk). Writes made in the same turn of the event loop share one transaction, and so do
// removals: one commit per burst, not per message.
import type { Store } from '../store/index.js';

export interface OutboxEntry {
  readonly seq: number;
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: 0 | 1 | 2;
}

export interface Outbox {
  /** Appends a message; resolves once it is on disk. Order of calls is the order of delivery. */
  add(topic: string, payload: Buffer, qos: 0 | 1 | 2): Promise<void>;
  /** Up to `limit` entries with `seq > after`, oldest first. */
  next(after: number, limit: number): Promise<OutboxEntry[]>;
  /** Forgets a delivered entry; resolves once that is on disk. */
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

interface Pending<T> {
  readonly item: T;
  readonly done: { resolve: () => void; reject: (err: unknown) => void };
}

/** SQLite allows 32766 bound variables; 4 per row leaves room. */
const CHUNK = 5000;

/** Creates the outbox over the edge's own store (table `edge_outbox`). */
export function createOutbox(store: Store, options: OutboxOptions): Outbox {
  const limit = options.limit ?? 100000;
  let count: number | undefined;
  let adds: Array<Pending<{ topic: string; payload: Buffer; qos: number }>> = [];
  let removes: Array<Pending<number>> = [];
  // One writer at a time keeps seq order equal to call order across bursts.
  let writing: Promise<void> = Promise.resolve();
  let scheduled = false;

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

  const flush = async () => {
    const batchAdds = adds;
    const batchRemoves = removes;
    adds = [];
    removes = [];
    const all = [...batchAdds.map((p) => p.done), ...batchRemoves.map((p) => p.done)];
    try {
      await size();
      let dropped = 0;
      await store.transaction(async (trx) => {
        const now = options.now();
        for (let i = 0; i < batchAdds.length; i += CHUNK) {
          const rows = batchAdds.slice(i, i + CHUNK).map((p) => ({ ...p.item, created_at: now }));
          await trx.insertInto('edge_outbox').values(rows).execute();
        }
        const seqs = batchRemoves.map((p) => p.item);
        let removed = 0;
        for (let i = 0; i < seqs.length; i += CHUNK) {
          const r = await trx
            .deleteFrom('edge_outbox')
            .where('seq', 'in', seqs.slice(i, i + CHUNK))
            .executeTakeFirst();
          removed += Number(r.numDeletedRows);
        }
        count = (count ?? 0) + batchAdds.length - removed;
        if (count > limit) {
          const oldest = await trx
            .selectFrom('edge_outbox')
            .select('seq')
            .orderBy('seq')
            .limit(count - limit)
            .execute();
          const last = oldest[oldest.length - 1]?.seq ?? 0;
          const r = await trx.deleteFrom('edge_outbox').where('seq', '<=', last).executeTakeFirst();
          dropped = Number(r.numDeletedRows);
          count -= dropped;
        }
      });
      if (dropped > 0) options.onOverflow?.(dropped, limit);
      for (const d of all) d.resolve();
    } catch (err) {
      count = undefined;
      for (const d of all) d.reject(err);
    }
  };

  const enqueue = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      writing = writing.then(flush);
    });
  };

  const later = <T>(list: Array<Pending<T>>, item: T) =>
    new Promise<void>((resolve, reject) => {
      list.push({ item, done: { resolve, reject } });
      enqueue();
    });

  return {
    add: (topic, payload, qos) => later(adds, { topic, payload, qos }),
    async next(after, max) {
      await writing;
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
    remove: (seq) => later(removes, seq),
    async size() {
      await writing;
      return size();
    },
  };
}
