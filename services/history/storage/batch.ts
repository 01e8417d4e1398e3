// A capture batch cut into segment rows, one engine-neutral step shared by the SQLite writer thread
// (writer-db.ts) and the PostgreSQL writer (pg-writer.ts), so both store the same byte layout and reads
// (query.ts, walk.ts) stay shared.
import type { TopicSummary } from '../writer.js';
import { ENTRY_PREFIX, MESSAGE_HEADER, SIZE_AT, encodePublisher, type CaptureBatch } from './segments.js';

/** A segment closes at this many messages or payload bytes (a single larger message gets its own). */
const SEGMENT_MAX_MESSAGES = 4096;
const SEGMENT_MAX_BYTES = 1024 * 1024;

/** One segment row ready to insert. */
export interface NewSegment {
  readonly topicId: number;
  readonly firstTime: number;
  readonly lastTime: number;
  readonly count: number;
  /** Payload bytes of its messages. */
  readonly bytes: number;
  readonly data: Buffer;
}

/** Topic ids by (system key, topic), as both writers cache them; a dropped system's entries go together. */
export class TopicIdCache {
  readonly #ids = new Map<string, number>();

  /** The cached id of a topic, if any. */
  get(systemKey: string, topic: string): number | undefined {
    return this.#ids.get(`${systemKey}\u0000${topic}`);
  }

  /** Remembers a topic's id. */
  set(systemKey: string, topic: string, id: number): void {
    this.#ids.set(`${systemKey}\u0000${topic}`, id);
  }

  /** Forgets every topic of a system (its rows were deleted). */
  forgetSystem(systemKey: string): void {
    for (const key of this.#ids.keys()) if (key.startsWith(`${systemKey}\u0000`)) this.#ids.delete(key);
  }
}

/** The (system key, topic) pairs of a batch, in its dictionary order. */
export function batchTopics(batch: CaptureBatch): Array<{ systemKey: string; topic: string }> {
  const out: Array<{ systemKey: string; topic: string }> = [];
  for (let i = 0; i < batch.topics.length; i += 2) {
    out.push({ systemKey: batch.topics[i], topic: batch.topics[i + 1] });
  }
  return out;
}

/**
 * Cuts a capture batch into segments: one per topic (split when large), messages in arrival order with
 * seq = position and publishers renumbered per segment. `topicIds[i]` is the id of the batch's topic i.
 */
export function toSegments(batch: CaptureBatch, topicIds: readonly number[]): NewSegment[] {
  const publishers: Buffer[] = [];
  for (let i = 0; i < batch.publishers.length; i += 2) {
    publishers.push(encodePublisher(batch.publishers[i], batch.publishers[i + 1]));
  }
  // Entry offsets per topic id, in arrival order.
  const byTopic = new Map<number, number[]>();
  const d = batch.data;
  for (
    let o = 0;
    o < d.length;
    o += ENTRY_PREFIX + MESSAGE_HEADER + d.readUInt32LE(o + ENTRY_PREFIX + SIZE_AT)
  ) {
    const id = topicIds[d.readUInt32LE(o)];
    const list = byTopic.get(id);
    if (list === undefined) byTopic.set(id, [o]);
    else list.push(o);
  }
  const local = new Int32Array(publishers.length).fill(-1);
  const out: NewSegment[] = [];
  for (const [topicId, entries] of byTopic) {
    let start = 0;
    let bytes = 0;
    for (let i = 0; i <= entries.length; i++) {
      const size = i < entries.length ? d.readUInt32LE(entries[i] + ENTRY_PREFIX + SIZE_AT) : 0;
      const closing =
        i === entries.length ||
        (i > start && (i - start >= SEGMENT_MAX_MESSAGES || bytes + size > SEGMENT_MAX_BYTES));
      if (closing && i > start) {
        out.push(segment(topicId, d, entries.slice(start, i), publishers, local, bytes));
        start = i;
        bytes = 0;
      }
      bytes += size;
    }
  }
  return out;
}

/** Copies batch entries into one segment blob (seq = position; publishers renumbered). */
function segment(
  topicId: number,
  d: Buffer,
  entries: readonly number[],
  publishers: readonly Buffer[],
  local: Int32Array,
  bytes: number,
): NewSegment {
  const used: number[] = [];
  let size = 4;
  for (const o of entries) {
    const p = d.readUInt32LE(o + ENTRY_PREFIX);
    if (local[p] < 0) {
      local[p] = used.push(p) - 1;
      size += publishers[p].length;
    }
    size += MESSAGE_HEADER + d.readUInt32LE(o + ENTRY_PREFIX + SIZE_AT);
  }
  const out = Buffer.allocUnsafe(size);
  let w = out.writeUInt32LE(used.length, 0);
  for (const p of used) w += publishers[p].copy(out, w);
  let first = Infinity;
  let last = -Infinity;
  for (let seq = 0; seq < entries.length; seq++) {
    const o = entries[seq] + ENTRY_PREFIX;
    const time = d.readDoubleLE(o + 8);
    if (time < first) first = time;
    if (time > last) last = time;
    const end = o + MESSAGE_HEADER + d.readUInt32LE(o + SIZE_AT);
    d.copy(out, w, o, end);
    out.writeUInt32LE(local[d.readUInt32LE(o)], w);
    out.writeUInt32LE(seq, w + 4);
    w += end - o;
  }
  for (const p of used) local[p] = -1;
  return { topicId, firstTime: first, lastTime: last, count: entries.length, bytes, data: out };
}

/** The topics that hold messages, with their counters and oldest message time: one statement on both engines. */
export const TOPICS_SQL =
  'SELECT t.topic_id, t.system_key, t.topic, t.row_count, t.bytes, (SELECT MIN(first_time) FROM history_segments s WHERE s.topic_id = t.topic_id) AS oldest FROM history_topics t WHERE t.row_count > 0';

/** A row of TOPICS_SQL. */
export interface TopicRow {
  topic_id: number;
  system_key: string;
  topic: string;
  row_count: number;
  bytes: number;
  oldest: number | null;
}

/** A TOPICS_SQL row as the writers answer it; numbers are made numbers (a bare pg pool hands int8 as text). */
export function toTopicSummary(t: TopicRow): TopicSummary {
  return {
    topicId: Number(t.topic_id),
    systemKey: t.system_key,
    topic: t.topic,
    rows: Number(t.row_count),
    bytes: Number(t.bytes),
    oldest: t.oldest === null ? 0 : Number(t.oldest),
  };
}
