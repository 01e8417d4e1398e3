// The history write side: prepared SQLite statements on the writer thread's own connection. Times are
// epoch milliseconds; segments (segments.ts) are walked by (topic_id, first_time) from one end.
import type SQLite from 'better-sqlite3';
import type { TopicSummary } from '../writer.js';
import { TOPICS_SQL, TopicIdCache, batchTopics, toSegments, toTopicSummary, type TopicRow } from './batch.js';
import { decodeSegment, encodeSegment, type CaptureBatch, type SegmentMessage } from './segments.js';
import {
  NewestFirst,
  SEGMENT_PAGE,
  oldestStep,
  type FullSegment,
  type HistoryRange,
  type StoredMessage,
} from './walk.js';

/** SQL conditions for the segments that may hold messages of a range, newest first, after `topic_id = ?`. */
function newestFirstSql(range: HistoryRange): { sql: string; params: number[] } {
  let sql = '';
  const params: number[] = [];
  if (range.before !== undefined) {
    sql += ' AND first_time < ?';
    params.push(range.before);
  }
  if (range.to !== undefined) {
    sql += ' AND first_time <= ?';
    params.push(range.to);
  }
  return { sql, params };
}

/**
 * The history write side on one better-sqlite3 connection with prepared statements. It runs in the
 * history writer thread so the broker's thread never waits for SQLite. Every change keeps
 * `history_topics.row_count/bytes` in step inside the same transaction.
 */
export class HistoryWriterDb {
  readonly #db: SQLite.Database;
  readonly #topicIds = new TopicIdCache();
  readonly #insertTopic: SQLite.Statement;
  readonly #selectTopic: SQLite.Statement<[string, string], { topic_id: number }>;
  readonly #insertSegment: SQLite.Statement;
  readonly #updateSegment: SQLite.Statement;
  readonly #deleteSegment: SQLite.Statement;
  readonly #addCounts: SQLite.Statement;
  readonly #oldest: SQLite.Statement<[number, number], FullSegment>;

  constructor(db: SQLite.Database) {
    this.#db = db;
    this.#insertTopic = db.prepare(
      'INSERT INTO history_topics (system_key, topic, row_count, bytes) VALUES (?, ?, 0, 0) ON CONFLICT DO NOTHING',
    );
    this.#selectTopic = db.prepare('SELECT topic_id FROM history_topics WHERE system_key = ? AND topic = ?');
    this.#insertSegment = db.prepare(
      'INSERT INTO history_segments (topic_id, first_time, last_time, count, bytes, data) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#updateSegment = db.prepare(
      'UPDATE history_segments SET first_time = ?, last_time = ?, count = ?, bytes = ?, data = ? WHERE id = ?',
    );
    this.#deleteSegment = db.prepare('DELETE FROM history_segments WHERE id = ?');
    this.#addCounts = db.prepare(
      'UPDATE history_topics SET row_count = row_count + ?, bytes = bytes + ? WHERE topic_id = ?',
    );
    this.#oldest = db.prepare(
      'SELECT id, first_time, last_time, count, bytes, data FROM history_segments WHERE topic_id = ? ORDER BY first_time, id LIMIT ?',
    );
  }

  /** Stores a capture batch: one segment per topic (split when large), all in one transaction. */
  insert(batch: CaptureBatch): void {
    const topicIds = batchTopics(batch).map((t) => this.#topicId(t.systemKey, t.topic));
    const segments = toSegments(batch, topicIds);
    this.#db.transaction(() => {
      for (const s of segments) {
        this.#insertSegment.run(s.topicId, s.firstTime, s.lastTime, s.count, s.bytes, s.data);
        this.#addCounts.run(s.count, s.bytes, s.topicId);
      }
    })();
  }

  /** Deletes the messages of one topic in `range` (newest first, up to its limit) and returns them. */
  deleteRange(systemKey: string, topic: string, range: HistoryRange): StoredMessage[] {
    const topicId = this.#existingTopicId(systemKey, topic);
    if (topicId === undefined) return [];
    return this.#db.transaction(() => {
      const walk = new NewestFirst(range);
      const { sql, params } = newestFirstSql(range);
      const page = this.#db.prepare<unknown[], FullSegment>(
        `SELECT id, first_time, last_time, count, bytes, data FROM history_segments WHERE topic_id = ?${sql} AND (first_time < ? OR (first_time = ? AND id < ?)) ORDER BY first_time DESC, id DESC LIMIT ?`,
      );
      while (walk.wanting) {
        // Before the first page, "after" the newest possible segment.
        const after = walk.after ?? { first_time: Number.MAX_SAFE_INTEGER, id: Number.MAX_SAFE_INTEGER };
        walk.feed(page.all(topicId, ...params, after.first_time, after.first_time, after.id, walk.pageSize));
      }
      for (const [segment, seqs] of walk.pickedBySegment<FullSegment>()) {
        this.#keepOnly(topicId, segment, (m) => !seqs.has(m.seq));
      }
      return walk.stored(topic);
    })();
  }

  /** Deletes up to `limit` of a topic's oldest messages, optionally only those older than `olderThan`. */
  deleteOldest(topicId: number, limit: number, olderThan?: number): number {
    if (limit <= 0) return 0;
    return this.#db.transaction(() => {
      let left = limit;
      while (left > 0) {
        const segments = this.#oldest.all(topicId, SEGMENT_PAGE);
        if (segments.length === 0) break;
        for (const s of segments) {
          const step = oldestStep(s, left, olderThan);
          if (step === 'stop') return limit - left;
          if (step === 'whole') {
            this.#deleteSegment.run(s.id);
            this.#addCounts.run(-s.count, -s.bytes, topicId);
            left -= s.count;
            continue;
          }
          return limit - left + this.#keepOnly(topicId, s, (m) => !step.has(m.seq));
        }
      }
      return limit - left;
    })();
  }

  /** The topics that hold messages, with their counters and oldest message time. */
  topics(): TopicSummary[] {
    return this.#db.prepare<[], TopicRow>(TOPICS_SQL).all().map(toTopicSummary);
  }

  /** Deletes up to `limit` segments of a system (and its topics once empty); returns how many went. */
  dropSystem(systemKey: string, limit: number): number {
    return this.#db.transaction(() => {
      const gone = this.#db
        .prepare(
          `DELETE FROM history_segments WHERE id IN (SELECT s.id FROM history_segments s JOIN history_topics t ON t.topic_id = s.topic_id WHERE t.system_key = ? LIMIT ?)`,
        )
        .run(systemKey, limit).changes;
      if (gone < limit) {
        this.#db.prepare('DELETE FROM history_topics WHERE system_key = ?').run(systemKey);
        this.#topicIds.forgetSystem(systemKey);
      }
      return gone;
    })();
  }

  /** Rewrites a segment keeping the messages `keep` accepts (deletes it when none remain); returns how many went. */
  #keepOnly(topicId: number, segment: FullSegment, keep: (m: SegmentMessage) => boolean): number {
    const all = decodeSegment(segment.data);
    const kept = all.filter(keep);
    const bytes = kept.reduce((s, m) => s + m.payload.length, 0);
    if (kept.length === 0) this.#deleteSegment.run(segment.id);
    else {
      const times = kept.map((m) => m.time);
      this.#updateSegment.run(
        Math.min(...times),
        Math.max(...times),
        kept.length,
        bytes,
        encodeSegment(kept),
        segment.id,
      );
    }
    this.#addCounts.run(kept.length - all.length, bytes - segment.bytes, topicId);
    return all.length - kept.length;
  }

  #existingTopicId(systemKey: string, topic: string): number | undefined {
    const cached = this.#topicIds.get(systemKey, topic);
    if (cached !== undefined) return cached;
    const row = this.#selectTopic.get(systemKey, topic);
    if (row !== undefined) this.#topicIds.set(systemKey, topic, row.topic_id);
    return row?.topic_id;
  }

  #topicId(systemKey: string, topic: string): number {
    const existing = this.#existingTopicId(systemKey, topic);
    if (existing !== undefined) return existing;
    this.#insertTopic.run(systemKey, topic);
    const id = this.#existingTopicId(systemKey, topic);
    if (id === undefined) throw new Error(`history topic ${topic} not created`);
    return id;
  }
}
