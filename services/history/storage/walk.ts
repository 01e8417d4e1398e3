// Reading segments newest first: the range a query asks for, the walk that picks its messages from
// segment rows (shared by the main-thread reader and the writer thread's deletes), and the message shape
// both hand back.
import { SEQ_SPAN, decodeSegment, type SegmentMessage } from './segments.js';

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
  /**
   * Payload bytes one walk may pick (a page): it stops before the message that would pass it, always
   * picking at least one, so one query never materialises hundreds of MB. Undefined = no byte bound.
   */
  readonly maxBytes?: number;
}

/** A segment row as read for queries. */
export interface SegmentRow {
  readonly id: number;
  readonly first_time: number;
  readonly last_time: number;
  readonly data: Buffer;
}

/** A segment row with its counters, as the deletes read it. */
export interface FullSegment extends SegmentRow {
  readonly count: number;
  readonly bytes: number;
}

/**
 * What a delete of a topic's oldest messages (up to `left`, only those older than `olderThan` when set) does
 * with the next segment, oldest first: stop there, drop it whole, or drop these seqs and stop after it
 * (nothing older remains after a partly due segment). Shared by both writers so they trim alike.
 */
export function oldestStep(
  s: FullSegment,
  left: number,
  olderThan?: number,
): 'stop' | 'whole' | ReadonlySet<number> {
  if (olderThan !== undefined && s.first_time >= olderThan) return 'stop';
  if ((olderThan === undefined || s.last_time < olderThan) && s.count <= left) return 'whole';
  const due = decodeSegment(s.data)
    .filter((m) => olderThan === undefined || m.time < olderThan)
    .sort((a, b) => a.time - b.time || a.seq - b.seq)
    .slice(0, left);
  return new Set(due.map((m) => m.seq));
}

/** Segments fetched by the first step of a walk; later steps fetch about as many as the rest needs. */
export const SEGMENT_PAGE = 16;
const SEGMENT_PAGE_MAX = 256;

function inRange(time: number, r: HistoryRange): boolean {
  return (
    (r.before === undefined || time < r.before) &&
    (r.from === undefined || time >= r.from) &&
    (r.to === undefined || time <= r.to)
  );
}

/**
 * Collects the newest messages of a range from segments fed newest first (by first_time, then id).
 * Segments of one topic never overlap in time, so the walk stops at the first segment older than `from`.
 */
export class NewestFirst {
  readonly picked: Array<{ segment: SegmentRow; message: SegmentMessage }> = [];

  /** The picked messages' sequence numbers per segment: what a delete removes from each segment it touched. */
  pickedBySegment<S extends SegmentRow>(): Map<S, Set<number>> {
    const bySegment = new Map<S, Set<number>>();
    for (const { segment, message } of this.picked) {
      const seqs = bySegment.get(segment as S) ?? new Set<number>();
      seqs.add(message.seq);
      bySegment.set(segment as S, seqs);
    }
    return bySegment;
  }
  readonly #range: HistoryRange;
  #after: SegmentRow | undefined;
  #done = false;
  #pageSize = SEGMENT_PAGE;
  #segmentsSeen = 0;
  #messagesSeen = 0;
  #segmentBytesSeen = 0;
  #bytes = 0;
  #cut = false;

  constructor(range: HistoryRange) {
    this.#range = range;
    this.#done = range.limit <= 0;
  }

  /** True while more segments could contribute. */
  get wanting(): boolean {
    return !this.#done;
  }

  /**
   * True when the walk stopped on `maxBytes` with messages of the range left: the oldest picked time is
   * then a cursor (`before` of the next page), and no message of that millisecond was left behind.
   */
  get cut(): boolean {
    return this.#cut;
  }

  /** The last segment fed: the next page starts after it (undefined: from the newest). */
  get after(): SegmentRow | undefined {
    return this.#after;
  }

  /** The picked messages of `topic` as clients see them, newest first. */
  stored(topic: string): StoredMessage[] {
    return this.picked.map(({ segment, message }) => toStored(topic, segment.id, message));
  }

  /** How many segments to fetch next: enough for the messages still wanted at the sizes seen so far. */
  get pageSize(): number {
    return this.#pageSize;
  }

  /** Feeds the page just fetched (`pageSize` asked); a short page means the walk is over. */
  feed(page: readonly SegmentRow[]): void {
    const asked = this.#pageSize;
    if (page.length > 0) this.#after = page[page.length - 1];
    for (const segment of page) {
      if (this.#range.from !== undefined && segment.last_time < this.#range.from) {
        this.#done = true;
        return;
      }
      const msgs = decodeSegment(segment.data).sort((a, b) => b.time - a.time || b.seq - a.seq);
      this.#segmentsSeen++;
      this.#messagesSeen += msgs.length;
      this.#segmentBytesSeen += segment.data.length;
      for (const message of msgs) {
        if (!inRange(message.time, this.#range)) continue;
        const max = this.#range.maxBytes;
        if (max !== undefined && this.picked.length > 0 && this.#bytes + message.payload.length > max) {
          this.#stopOnBytes(message.time);
          return;
        }
        this.#bytes += message.payload.length;
        this.picked.push({ segment, message });
        if (this.picked.length >= this.#range.limit) {
          this.#done = true;
          return;
        }
      }
    }
    if (page.length < asked) this.#done = true;
    const perSegment = this.#messagesSeen / Math.max(1, this.#segmentsSeen);
    const wanted = Math.ceil((this.#range.limit - this.picked.length) / Math.max(1, perSegment)) + 1;
    this.#pageSize = Math.max(4, Math.min(wanted, SEGMENT_PAGE_MAX));
    if (this.#range.maxBytes !== undefined) {
      // Fetch no more segment data than the byte budget left needs, at the segment sizes seen so far.
      const bytesPerSegment = this.#segmentBytesSeen / Math.max(1, this.#segmentsSeen);
      const fit = Math.ceil((this.#range.maxBytes - this.#bytes) / Math.max(1, bytesPerSegment)) + 1;
      this.#pageSize = Math.max(1, Math.min(this.#pageSize, fit));
    }
  }

  /**
   * Ends a page on the byte budget before a message of time `left`. Paging goes on with `before` = the
   * oldest picked time, so when `left` shares that millisecond the picked messages of it are handed to
   * the next page too rather than the left one skipped (unless the whole page is that millisecond).
   */
  #stopOnBytes(left: number): void {
    this.#done = true;
    this.#cut = true;
    const oldest = this.picked[this.picked.length - 1].message.time;
    if (left !== oldest) return;
    let keep = this.picked.length;
    while (keep > 0 && this.picked[keep - 1].message.time === oldest) keep--;
    if (keep > 0) this.picked.length = keep;
  }
}

/** The message as clients see it. */
export function toStored(topic: string, segmentId: number, m: SegmentMessage): StoredMessage {
  return {
    id: segmentId * SEQ_SPAN + m.seq,
    topic,
    time: m.time,
    qos: m.qos,
    size: m.payload.length,
    payload: m.payload,
    userId: m.userId,
    ip: m.ip,
  };
}
