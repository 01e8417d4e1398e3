// Reading history: ClearBlade's query semantics (reference §7.1) turned into an indexed, bounded range
// query, and the record shape both generations of clients read.
import { isUtf8 } from 'node:buffer';
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { Store } from '../store/index.js';
import { segmentsNewestFirst } from './storage/segment-pages.js';
import { NewestFirst, type HistoryRange, type StoredMessage } from './storage/walk.js';

/** A validated query; times in epoch ms, undefined = unbounded. */
export interface HistoryQuery {
  readonly topic: string;
  /** 0 = all (still capped by the reader's maximum). */
  readonly count: number;
  readonly last?: number;
  readonly start?: number;
  readonly stop?: number;
}

/** One message as REST and services return it: the newer and the older ClearBlade key sets together. */
export interface HistoryRecord {
  readonly topicid: string;
  readonly ip: string;
  /** epoch seconds */
  readonly time: number;
  readonly payloadsize: number;
  /** The payload decoded as UTF-8 (lossy for binary payloads; see payload_base64). */
  readonly payload: string;
  readonly userid: string;
  readonly qos: number;
  readonly id: string;
  readonly message: string;
  /** epoch seconds */
  readonly 'send-date': number;
  readonly 'topic-id': string;
  readonly 'user-id': string;
  /** epoch ms: exact time, for paging with `last`. */
  readonly time_ms: number;
  /** Present only when the payload is not valid UTF-8: the exact bytes. */
  readonly payload_base64?: string;
}

/** Values below this are epoch seconds, above it epoch milliseconds (1e11 s is the year 5138). */
const MS_THRESHOLD = 1e11;

/**
 * Splits a raw query string without turning `+` into a space: the Node SDK sends the topic unencoded,
 * and `+` is an MQTT level wildcard or a literal character, never a space. Malformed escapes stay as sent.
 */
export function parseRawQuery(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeLenient(eq < 0 ? part : part.slice(0, eq));
    if (!(key in out)) out[key] = eq < 0 ? '' : decodeLenient(part.slice(eq + 1));
  }
  return out;
}

function decodeLenient(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function number(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  if (!Number.isFinite(n))
    throw new IsobarError('CB_ERR_HISTORY_BAD_QUERY', { detail: `${field} must be a number` });
  return n;
}

/** Epoch seconds or milliseconds → ms; zero or negative (clients send -1 for "unused") → unbounded. */
function time(value: unknown, field: string): number | undefined {
  const n = number(value, field);
  if (n === undefined || n <= 0) return undefined;
  return Math.round(n >= MS_THRESHOLD ? n : n * 1000);
}

/** Validates query fields from REST or a service call; throws CB_ERR_HISTORY_BAD_QUERY. */
export function normalizeQuery(fields: {
  topic?: unknown;
  count?: unknown;
  last?: unknown;
  start?: unknown;
  stop?: unknown;
}): HistoryQuery {
  const topic = fields.topic;
  if (typeof topic !== 'string' || topic === '') {
    throw new IsobarError('CB_ERR_HISTORY_BAD_QUERY', { detail: 'topic is required' });
  }
  const count = number(fields.count, 'count') ?? 0;
  if (count < 0 || !Number.isInteger(count)) {
    throw new IsobarError('CB_ERR_HISTORY_BAD_QUERY', { detail: 'count must be a non-negative integer' });
  }
  const last = time(fields.last, 'last');
  const start = time(fields.start, 'start');
  const stop = time(fields.stop, 'stop');
  if (start !== undefined && stop !== undefined && start > stop) {
    throw new IsobarError('CB_ERR_HISTORY_BAD_QUERY', { detail: 'start is after stop' });
  }
  return { topic, count, last, start, stop };
}

/**
 * The index range of a query, with `count` capped at `maxCount` (0 = all = the cap) and the payload bytes
 * of one answer at `maxBytes` (a page; see HistoryPage.next).
 */
export function toRange(q: HistoryQuery, maxCount: number, maxBytes?: number): HistoryRange {
  return {
    before: q.last,
    from: q.start,
    to: q.stop,
    limit: q.count === 0 ? maxCount : Math.min(q.count, maxCount),
    ...(maxBytes === undefined ? {} : { maxBytes }),
  };
}

/** One answer to a query: at most the byte budget of messages, newest first. */
export interface HistoryPage<T> {
  readonly messages: T[];
  /**
   * Set when the byte budget ended the page with messages of the range left: pass it as `last` (epoch
   * ms) to read on. Undefined when the answer is complete (or ended on `count`).
   */
  readonly next?: number;
}

/** Renders a stored message for clients. */
export function toRecord(m: StoredMessage): HistoryRecord {
  const text = m.payload.toString('utf8');
  const seconds = Math.floor(m.time / 1000);
  return {
    topicid: m.topic,
    ip: m.ip,
    time: seconds,
    payloadsize: m.size,
    payload: text,
    userid: m.userId,
    qos: m.qos,
    id: String(m.id),
    message: text,
    'send-date': seconds,
    'topic-id': m.topic,
    'user-id': m.userId,
    time_ms: m.time,
    ...(isUtf8(m.payload) ? {} : { payload_base64: m.payload.toString('base64') }),
  };
}

export interface HistoryReader {
  /** Newest first, at most `maxCount` messages and `maxPageBytes` of payload; an unknown topic gives []. */
  read(systemKey: string, q: HistoryQuery): Promise<HistoryPage<StoredMessage>>;
  /** Topics of the system that hold at least one message, sorted. */
  currentTopics(systemKey: string): Promise<string[]>;
}

/** Reads through the store's query builder; `beforeRead` lets capture flush so a reader sees its own publishes. */
export function createHistoryReader(
  options: { maxCount: number; maxPageBytes: number },
  deps: { store: Store; beforeRead: () => Promise<void> },
): HistoryReader {
  const db = deps.store.db;
  return {
    async read(systemKey, q) {
      await deps.beforeRead();
      const topic = await db
        .selectFrom('history_topics')
        .select('topic_id')
        .where('system_key', '=', systemKey)
        .where('topic', '=', q.topic)
        .executeTakeFirst();
      if (topic === undefined) return { messages: [] };
      const range = toRange(q, options.maxCount, options.maxPageBytes);
      const walk = new NewestFirst(range);
      while (walk.wanting) {
        walk.feed(await segmentsNewestFirst(db, topic.topic_id, range, walk.after, walk.pageSize));
      }
      const messages = walk.stored(q.topic);
      const oldest = messages[messages.length - 1] as StoredMessage | undefined;
      return walk.cut && oldest !== undefined ? { messages, next: oldest.time } : { messages };
    },
    async currentTopics(systemKey) {
      await deps.beforeRead();
      const rows = await db
        .selectFrom('history_topics')
        .select('topic')
        .where('system_key', '=', systemKey)
        .where('row_count', '>', 0)
        .orderBy('topic')
        .execute();
      return rows.map((r) => r.topic);
    },
  };
}
