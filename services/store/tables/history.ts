import type { Generated } from 'kysely';
import type SQLite from 'better-sqlite3';

// Message history. Times are epoch milliseconds. A topic of a system gets a small integer id once, so the
// message rows and their (topic_id, time) index stay narrow: that index is the per-(system, topic, time)
// index every query and retention step walks.

export interface HistoryTopicsTable {
  topic_id: Generated<number>;
  system_key: string;
  topic: string;
  /** Rows and payload bytes currently stored for this topic; kept in step by the writer's transactions. */
  row_count: number;
  bytes: number;
}

export interface HistoryMessagesTable {
  id: Generated<number>;
  topic_id: number;
  time: number;
  qos: number;
  size: number;
  payload: Buffer;
  /** Publishing user id or device name; '' for platform publishes. */
  user_id: string;
  /** Remote address of the publishing connection; '' when there is none. */
  ip: string;
}

export interface HistorySettingsTable {
  system_key: string;
  /** JSON `StorageFilter[]`; null = never configured (store every topic with the default bound). */
  storage: string | null;
  /** JSON `AutoDelete`; null = never configured (disabled). */
  autodelete: string | null;
}

export interface HistoryTables {
  history_topics: HistoryTopicsTable;
  history_messages: HistoryMessagesTable;
  history_settings: HistorySettingsTable;
}

/** One captured message as the writer receives it (payload bytes travel separately, see HistoryBatch). */
export interface HistoryRow {
  readonly systemKey: string;
  readonly topic: string;
  readonly time: number;
  readonly qos: number;
  readonly userId: string;
  readonly ip: string;
}

/** A stored message as read back. */
export interface StoredMessage {
  readonly id: number;
  readonly topic: string;
  readonly time: number;
  readonly qos: number;
  readonly size: number;
  readonly payload: Buffer;
  readonly userId: string;
  readonly ip: string;
}

/** Bounds of a history query, all optional; times in epoch ms, `limit` already capped by the caller. */
export interface HistoryRange {
  /** time < before */
  readonly before?: number;
  /** time >= from */
  readonly from?: number;
  /** time <= to */
  readonly to?: number;
  readonly limit: number;
}

interface MessageRowDb {
  id: number;
  time: number;
  qos: number;
  size: number;
  payload: Buffer;
  user_id: string;
  ip: string;
}

/**
 * The history write side on one better-sqlite3 connection with prepared statements. It runs in the
 * history writer thread: a row insert costs a few microseconds, too much for the broker's thread.
 * Every change keeps `history_topics.row_count/bytes` in step inside the same transaction.
 */
export class HistoryWriterDb {
  readonly #db: SQLite.Database;
  readonly #topicIds = new Map<string, number>();
  readonly #insertTopic: SQLite.Statement;
  readonly #selectTopic: SQLite.Statement<[string, string], { topic_id: number }>;
  readonly #insertMessage: SQLite.Statement;
  readonly #addCounts: SQLite.Statement;

  constructor(db: SQLite.Database) {
    this.#db = db;
    this.#insertTopic = db.prepare(
      'INSERT INTO history_topics (system_key, topic, row_count, bytes) VALUES (?, ?, 0, 0) ON CONFLICT DO NOTHING',
    );
    this.#selectTopic = db.prepare('SELECT topic_id FROM history_topics WHERE system_key = ? AND topic = ?');
    this.#insertMessage = db.prepare(
      'INSERT INTO history_messages (topic_id, time, qos, size, payload, user_id, ip) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.#addCounts = db.prepare(
      'UPDATE history_topics SET row_count = row_count + ?, bytes = bytes + ? WHERE topic_id = ?',
    );
  }

  /** Inserts rows whose payloads are `payloads[offsets[i]..offsets[i+1]]`, in one transaction. */
  insert(rows: readonly HistoryRow[], payloads: Buffer, offsets: readonly number[]): void {
    this.#db.transaction(() => {
      const added = new Map<number, [number, number]>();
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i];
        const id = this.#topicId(r.systemKey, r.topic);
        const payload = payloads.subarray(offsets[i], offsets[i + 1]);
        this.#insertMessage.run(id, r.time, r.qos, payload.length, payload, r.userId, r.ip);
        const a = added.get(id);
        if (a === undefined) added.set(id, [1, payload.length]);
        else {
          a[0] += 1;
          a[1] += payload.length;
        }
      }
      for (const [id, [n, bytes]] of added) this.#addCounts.run(n, bytes, id);
    })();
  }

  /** Selects then deletes the messages of one topic in `range` (newest first), returning what it deleted. */
  deleteRange(systemKey: string, topic: string, range: HistoryRange): StoredMessage[] {
    const id = this.#existingTopicId(systemKey, topic);
    if (id === undefined) return [];
    return this.#db.transaction(() => {
      const { sql, params } = rangeSql(range);
      const rows = this.#db
        .prepare<unknown[], MessageRowDb>(
          `SELECT id, time, qos, size, payload, user_id, ip FROM history_messages WHERE topic_id = ?${sql} ORDER BY time DESC, id DESC LIMIT ?`,
        )
        .all(id, ...params, range.limit);
      this.#deleteIds(
        id,
        rows.map((r) => r.id),
        rows.reduce((s, r) => s + r.size, 0),
      );
      return rows.map((r) => toStored(topic, r));
    })();
  }

  /** Deletes up to `limit` of a topic's oldest messages, optionally only those older than `olderThan`. */
  deleteOldest(topicId: number, limit: number, olderThan?: number): number {
    if (limit <= 0) return 0;
    return this.#db.transaction(() => {
      const rows = this.#db
        .prepare<unknown[], { id: number; size: number }>(
          `SELECT id, size FROM history_messages WHERE topic_id = ?${olderThan === undefined ? '' : ' AND time < ?'} ORDER BY time, id LIMIT ?`,
        )
        .all(...(olderThan === undefined ? [topicId, limit] : [topicId, olderThan, limit]));
      this.#deleteIds(
        topicId,
        rows.map((r) => r.id),
        rows.reduce((s, r) => s + r.size, 0),
      );
      return rows.length;
    })();
  }

  /** The topics that hold rows, with their counters and oldest message time. */
  topics(): Array<{
    topicId: number;
    systemKey: string;
    topic: string;
    rows: number;
    bytes: number;
    oldest: number;
  }> {
    return this.#db
      .prepare<
        [],
        {
          topic_id: number;
          system_key: string;
          topic: string;
          row_count: number;
          bytes: number;
          oldest: number | null;
        }
      >(
        'SELECT t.topic_id, t.system_key, t.topic, t.row_count, t.bytes, (SELECT MIN(time) FROM history_messages m WHERE m.topic_id = t.topic_id) AS oldest FROM history_topics t WHERE t.row_count > 0',
      )
      .all()
      .map((t) => ({
        topicId: t.topic_id,
        systemKey: t.system_key,
        topic: t.topic,
        rows: t.row_count,
        bytes: t.bytes,
        oldest: t.oldest ?? 0,
      }));
  }

  /** Deletes up to `limit` messages of a system (and its topics once empty); returns how many went. */
  dropSystem(systemKey: string, limit: number): number {
    const ids = this.#db
      .prepare<[string], { topic_id: number }>('SELECT topic_id FROM history_topics WHERE system_key = ?')
      .all(systemKey);
    let left = limit;
    for (const { topic_id } of ids) {
      while (left > 0) {
        const n = this.deleteOldest(topic_id, Math.min(left, 1000));
        left -= n;
        if (n === 0) break;
      }
      if (left <= 0) return limit;
    }
    this.#db.prepare('DELETE FROM history_topics WHERE system_key = ?').run(systemKey);
    for (const key of this.#topicIds.keys())
      if (key.startsWith(`${systemKey}\u0000`)) this.#topicIds.delete(key);
    return limit - left;
  }

  #deleteIds(topicId: number, ids: readonly number[], bytes: number): void {
    if (ids.length === 0) return;
    const del = this.#db.prepare('DELETE FROM history_messages WHERE id = ?');
    for (const id of ids) del.run(id);
    this.#addCounts.run(-ids.length, -bytes, topicId);
  }

  #existingTopicId(systemKey: string, topic: string): number | undefined {
    const key = `${systemKey}\u0000${topic}`;
    const cached = this.#topicIds.get(key);
    if (cached !== undefined) return cached;
    const row = this.#selectTopic.get(systemKey, topic);
    if (row !== undefined) this.#topicIds.set(key, row.topic_id);
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

/** SQL conditions for a HistoryRange after `topic_id = ?`. */
export function rangeSql(range: HistoryRange): { sql: string; params: number[] } {
  let sql = '';
  const params: number[] = [];
  if (range.before !== undefined) {
    sql += ' AND time < ?';
    params.push(range.before);
  }
  if (range.from !== undefined) {
    sql += ' AND time >= ?';
    params.push(range.from);
  }
  if (range.to !== undefined) {
    sql += ' AND time <= ?';
    params.push(range.to);
  }
  return { sql, params };
}

function toStored(topic: string, r: MessageRowDb): StoredMessage {
  return {
    id: r.id,
    topic,
    time: r.time,
    qos: r.qos,
    size: r.size,
    payload: r.payload,
    userId: r.user_id,
    ip: r.ip,
  };
}
