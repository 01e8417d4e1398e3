// The history write side on PostgreSQL: the same segments as SQLite (batch.ts, segments.ts), written on
// the main thread through the store's pool (async: the broker's thread only awaits), one transaction per
// batch. Several nodes write at once, so counters move only by `row_count = row_count + n` with n taken
// from what a statement actually inserted or deleted (RETURNING), never read, changed and written back.
import { sql, type Kysely, type Transaction } from 'kysely';
import { IsobarError } from '../../../runtime-api/errors/index.js';
import type { Database } from '../../store/index.js';
import type { HistoryWriter, TopicSummary } from '../writer.js';
import { TOPICS_SQL, TopicIdCache, batchTopics, toSegments, toTopicSummary, type TopicRow } from './batch.js';
import { createPartitions, dayOf, dropExpiredPartition, listPartitions } from './pg-partitions.js';
import { decodeSegment, encodeSegment, type SegmentMessage } from './segments.js';
import { SEGMENT_COLUMNS, full, segmentsNewestFirst } from './segment-pages.js';
import {
  NewestFirst,
  SEGMENT_PAGE,
  oldestStep,
  type FullSegment,
  type HistoryRange,
  type StoredMessage,
} from './walk.js';

/** Segment rows per INSERT statement (6 parameters each; PostgreSQL allows 65,535). */
const INSERT_ROWS = 1000;
/** A day partition refused for dropping is looked at again after this much clock time. */
const RECHECK_MS = 60_000;

type Db = Kysely<Database> | Transaction<Database>;

/** Moves a topic's counters by what a statement changed. */
async function addCounts(db: Db, topicId: number, rows: number, bytes: number): Promise<void> {
  if (rows === 0 && bytes === 0) return;
  await sql`UPDATE history_topics SET row_count = row_count + ${rows}, bytes = bytes + ${bytes} WHERE topic_id = ${topicId}`.execute(
    db,
  );
}

/**
 * Moves the counters of every topic in `rows` by their summed messages and bytes (times `sign`): the counter
 * rows are locked in id order (nodes writing the same topics never deadlock), then moved in one statement.
 */
async function moveCounts(
  db: Db,
  rows: Iterable<{ topicId: number; count: number; bytes: number }>,
  sign: 1 | -1,
): Promise<void> {
  const totals = new Map<number, { n: number; b: number }>();
  for (const r of rows) {
    const t = totals.get(r.topicId) ?? { n: 0, b: 0 };
    t.n += sign * r.count;
    t.b += sign * r.bytes;
    totals.set(r.topicId, t);
  }
  if (totals.size === 0) return;
  const order = [...totals.keys()].sort((a, b) => a - b);
  await sql`SELECT topic_id FROM history_topics WHERE topic_id = ANY(${order}::int[]) ORDER BY topic_id FOR UPDATE`.execute(
    db,
  );
  await sql`UPDATE history_topics AS t SET row_count = t.row_count + v.n, bytes = t.bytes + v.b
    FROM unnest(${order}::int[], ${order.map((id) => totals.get(id)?.n ?? 0)}::bigint[],
      ${order.map((id) => totals.get(id)?.b ?? 0)}::bigint[]) AS v(id, n, b)
    WHERE t.topic_id = v.id`.execute(db);
}

/**
 * The PostgreSQL history writer. Requests run one after another in call order (as the SQLite writer
 * thread applies them), each on a pooled connection of the store.
 */
export function createPgHistoryWriter(deps: { db: Kysely<Database> }): HistoryWriter {
  const db = deps.db;
  const topicIds = new TopicIdCache();
  const days = new Set<number>();
  const recheck = new Map<number, number>();
  let queue: Promise<unknown> = Promise.resolve();
  let started = false;
  let closing: Promise<void> | undefined;

  const run = <T>(fn: () => Promise<T>): Promise<T> => {
    if (closing !== undefined) {
      return Promise.reject(new IsobarError('CB_ERR_HISTORY_UNAVAILABLE', { reason: 'closing' }));
    }
    started = true;
    // A database failure is the history service being unavailable, never a 500 of the caller's making.
    const next = queue.then(fn).catch((err: unknown) => {
      const reason = err instanceof Error ? err.message : String(err);
      throw new IsobarError('CB_ERR_HISTORY_UNAVAILABLE', { reason }, { cause: err });
    });
    queue = next.catch(() => undefined);
    return next;
  };

  const ensureDays = async (wanted: Iterable<number>): Promise<void> => {
    const missing = [...new Set(wanted)].filter((d) => !days.has(d));
    if (missing.length === 0) return;
    await createPartitions(db, missing);
    for (const d of missing) days.add(d);
  };

  /** Ids of (system, topic) pairs, creating the missing ones in one statement outside the batch's transaction. */
  const resolveTopics = async (
    pairs: ReadonlyArray<{ systemKey: string; topic: string }>,
  ): Promise<number[]> => {
    const missing = pairs.filter((p) => topicIds.get(p.systemKey, p.topic) === undefined);
    if (missing.length > 0) {
      const systems = missing.map((p) => p.systemKey);
      const topics = missing.map((p) => p.topic);
      // Sorted so two nodes creating the same topics lock them in one order.
      await sql`INSERT INTO history_topics (system_key, topic, row_count, bytes)
        SELECT s, t, 0, 0 FROM unnest(${systems}::text[], ${topics}::text[]) AS v(s, t) ORDER BY s, t
        ON CONFLICT (system_key, topic) DO NOTHING`.execute(db);
      const { rows } = await sql<{
        topic_id: number;
        system_key: string;
        topic: string;
      }>`SELECT t.topic_id, t.system_key, t.topic
        FROM history_topics t JOIN unnest(${systems}::text[], ${topics}::text[]) AS v(s, tp)
        ON t.system_key = v.s AND t.topic = v.tp`.execute(db);
      for (const r of rows) topicIds.set(r.system_key, r.topic, Number(r.topic_id));
    }
    return pairs.map((p) => {
      const id = topicIds.get(p.systemKey, p.topic);
      if (id === undefined) throw new Error(`history topic ${p.topic} not created`);
      return id;
    });
  };

  const existingTopic = async (systemKey: string, topic: string): Promise<number | undefined> => {
    const cached = topicIds.get(systemKey, topic);
    if (cached !== undefined) return cached;
    const row = await db
      .selectFrom('history_topics')
      .select('topic_id')
      .where('system_key', '=', systemKey)
      .where('topic', '=', topic)
      .executeTakeFirst();
    if (row !== undefined) topicIds.set(systemKey, topic, Number(row.topic_id));
    return row === undefined ? undefined : Number(row.topic_id);
  };

  /**
   * Rewrites a segment keeping what `keep` accepts (deletes it when none remain). The statement names the
   * segment's count as read: when another node changed it meanwhile nothing is written and no counter
   * moves. Resolves with the messages removed.
   */
  const keepOnly = async (
    trx: Db,
    topicId: number,
    s: FullSegment,
    keep: (m: SegmentMessage) => boolean,
  ): Promise<number> => {
    const all = decodeSegment(s.data);
    const kept = all.filter(keep);
    if (kept.length === 0) {
      const { rows } = await sql<{ count: number; bytes: number }>`DELETE FROM history_segments
        WHERE id = ${s.id} AND first_time = ${s.first_time} RETURNING count, bytes`.execute(trx);
      const gone = rows[0] as { count: number; bytes: number } | undefined;
      if (gone === undefined) return 0;
      await addCounts(trx, topicId, -Number(gone.count), -Number(gone.bytes));
      return Number(gone.count);
    }
    const times = kept.map((m) => m.time);
    // The new first_time lies between the old first and last times: a day that exists (days drop oldest first).
    const first = Math.floor(Math.min(...times));
    const bytes = kept.reduce((n, m) => n + m.payload.length, 0);
    const { rows } =
      await sql`UPDATE history_segments SET first_time = ${first}, last_time = ${Math.ceil(Math.max(...times))},
      count = ${kept.length}, bytes = ${bytes}, data = ${encodeSegment(kept)}
      WHERE id = ${s.id} AND first_time = ${s.first_time} AND count = ${s.count} RETURNING id`.execute(trx);
    if (rows.length === 0) return 0;
    await addCounts(trx, topicId, kept.length - all.length, bytes - s.bytes);
    return all.length - kept.length;
  };

  const deleteOldest = (topicId: number, limit: number, olderThan?: number): Promise<number> =>
    db.transaction().execute(async (trx) => {
      let left = limit;
      // Bounded: a segment another node keeps changing cannot hold this loop.
      for (let round = 0; left > 0 && round < 64; round++) {
        const segments = (
          await trx
            .selectFrom('history_segments')
            .select(SEGMENT_COLUMNS)
            .where('topic_id', '=', topicId)
            .orderBy('first_time')
            .orderBy('id')
            .limit(SEGMENT_PAGE)
            .execute()
        ).map(full);
        if (segments.length === 0) break;
        for (const s of segments) {
          const step = oldestStep(s, left, olderThan);
          if (step === 'stop') return limit - left;
          if (step === 'whole') {
            left -= await keepOnly(trx, topicId, s, () => false);
            continue;
          }
          left -= await keepOnly(trx, topicId, s, (m) => !step.has(m.seq));
          return limit - left;
        }
      }
      return limit - left;
    });

  return {
    get started() {
      return started;
    },
    insert: (batch) =>
      run(async () => {
        const ids = await resolveTopics(batchTopics(batch));
        const segments = toSegments(batch, ids);
        await ensureDays(segments.map((s) => dayOf(Math.floor(s.firstTime))));
        await db.transaction().execute(async (trx) => {
          for (let i = 0; i < segments.length; i += INSERT_ROWS) {
            await trx
              .insertInto('history_segments')
              .values(
                segments.slice(i, i + INSERT_ROWS).map((s) => ({
                  topic_id: s.topicId,
                  // bigint columns: a fractional time rounds outward, so the row's span still holds it
                  first_time: Math.floor(s.firstTime),
                  last_time: Math.ceil(s.lastTime),
                  count: s.count,
                  bytes: s.bytes,
                  data: s.data,
                })),
              )
              .execute();
          }
          await moveCounts(trx, segments, 1);
        });
        return { count: batch.count };
      }),
    deleteRange: (systemKey: string, topic: string, range: HistoryRange) =>
      run(async (): Promise<StoredMessage[]> => {
        const topicId = await existingTopic(systemKey, topic);
        if (topicId === undefined) return [];
        return db.transaction().execute(async (trx) => {
          const walk = new NewestFirst(range);
          while (walk.wanting) {
            walk.feed(await segmentsNewestFirst(trx, topicId, range, walk.after, walk.pageSize));
          }
          for (const [segment, seqs] of walk.pickedBySegment<FullSegment>())
            await keepOnly(trx, topicId, segment, (m) => !seqs.has(m.seq));
          return walk.stored(topic);
        });
      }),
    topics: () =>
      run(async (): Promise<TopicSummary[]> => {
        const { rows } = await sql<TopicRow>`${sql.raw(TOPICS_SQL)}`.execute(db);
        return rows.map(toTopicSummary);
      }),
    trim: (steps, chunk) =>
      run(async () => {
        let n = 0;
        for (const step of steps) {
          // Small transactions, as on SQLite: a long trim never holds a topic's counter row for long.
          for (let left = step.limit; left > 0;) {
            const done = await deleteOldest(step.topicId, Math.min(left, chunk), step.olderThan);
            n += done;
            left -= done;
            if (done === 0) break;
          }
        }
        return n;
      }),
    dropSystem: (systemKey, limit) =>
      run(() =>
        db.transaction().execute(async (trx) => {
          const { rows } = await sql<{
            topic_id: number;
            count: number;
            bytes: number;
          }>`DELETE FROM history_segments
            WHERE (id, first_time) IN (SELECT s.id, s.first_time FROM history_segments s
              JOIN history_topics t ON t.topic_id = s.topic_id WHERE t.system_key = ${systemKey} LIMIT ${limit})
            RETURNING topic_id, count, bytes`.execute(trx);
          if (rows.length < limit) {
            await trx.deleteFrom('history_topics').where('system_key', '=', systemKey).execute();
            topicIds.forgetSystem(systemKey);
          } else {
            const gone = rows.map((r) => ({
              topicId: Number(r.topic_id),
              count: Number(r.count),
              bytes: Number(r.bytes),
            }));
            await moveCounts(trx, gone, -1);
          }
          return rows.length;
        }),
      ),
    ahead: (now) => run(() => ensureDays([dayOf(now), dayOf(now) + 1])),
    partitions: (now, cutoffs) =>
      run(async () => {
        const today = dayOf(now);
        await ensureDays([today, today + 1]);
        let dropped = 0;
        // Oldest first, stopping at the first day that stays: a segment rewritten by a delete moves only
        // forward in time, into a day that is still there.
        for (const day of await listPartitions(db)) {
          if (day >= today || (recheck.get(day) ?? -Infinity) > now) break;
          const n = await dropExpiredPartition(db, day, cutoffs);
          if (n === undefined) {
            recheck.set(day, now + RECHECK_MS);
            break;
          }
          recheck.delete(day);
          days.delete(day);
          dropped += n;
        }
        return dropped;
      }),
    close() {
      closing ??= queue.then(() => undefined);
      return closing;
    },
  };
}
