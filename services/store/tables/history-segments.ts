// The byte layout of a history segment: the messages one topic received in one capture batch, stored
// together in one row. One row per batch and topic instead of one per message is what keeps history
// capture cheap enough to run beside the broker: the per-row cost of SQLite (statement, B-tree and index
// insert) is paid once for many messages.
//
// Per message: time f64 | qos u8 | size u32 | seq u32 | userLen u16 | ipLen u8 | user | ip | payload.

/** One message inside a segment. */
export interface SegmentMessage {
  /** Unique within its segment; with the segment id it forms the message id. */
  readonly seq: number;
  readonly time: number;
  readonly qos: number;
  readonly userId: string;
  readonly ip: string;
  readonly payload: Buffer;
}

/** Bytes of a segment message before its user id, address and payload. */
export const SEGMENT_HEADER = 8 + 1 + 4 + 4 + 2 + 1;
const HEADER = SEGMENT_HEADER;

/** Ids of messages: segment id × this + seq (seq stays below it). */
export const SEQ_SPAN = 65_536;

/** Bytes one message takes in a segment. */
export function encodedSize(userId: string, ip: string, payloadBytes: number): number {
  return HEADER + Buffer.byteLength(userId) + Buffer.byteLength(ip) + payloadBytes;
}

/** Writes one message at `offset` of `out` (with `seq` in place of its own); returns the offset after it. */
export function writeMessage(out: Buffer, offset: number, m: SegmentMessage, seq = m.seq): number {
  let o = out.writeDoubleLE(m.time, offset);
  o = out.writeUInt8(m.qos, o);
  o = out.writeUInt32LE(m.payload.length, o);
  o = out.writeUInt32LE(seq, o);
  const userAt = o + 3;
  const userLen = out.write(m.userId, userAt, 'utf8');
  const ipLen = out.write(m.ip, userAt + userLen, 'utf8');
  out.writeUInt16LE(userLen, o);
  out.writeUInt8(ipLen, o + 2);
  o = userAt + userLen + ipLen;
  return o + m.payload.copy(out, o);
}

/** Encodes `messages[from..to)` into one segment blob; `renumber` gives them seq 0, 1, 2, … */
export function encodeSegment(
  messages: readonly SegmentMessage[],
  renumber = false,
  from = 0,
  to = messages.length,
): Buffer {
  let size = 0;
  for (let i = from; i < to; i++) {
    const m = messages[i];
    size += encodedSize(m.userId, m.ip, m.payload.length);
  }
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (let i = from; i < to; i++)
    o = writeMessage(out, o, messages[i], renumber ? i - from : messages[i].seq);
  return out;
}

/** Decodes a segment blob, in stored (arrival) order; payloads are views into `data`. */
export function decodeSegment(data: Buffer): SegmentMessage[] {
  const out: SegmentMessage[] = [];
  let o = 0;
  while (o < data.length) {
    const time = data.readDoubleLE(o);
    const qos = data.readUInt8(o + 8);
    const size = data.readUInt32LE(o + 9);
    const seq = data.readUInt32LE(o + 13);
    const userLen = data.readUInt16LE(o + 17);
    const ipLen = data.readUInt8(o + 19);
    o += HEADER;
    const userId = data.toString('utf8', o, o + userLen);
    o += userLen;
    const ip = data.toString('utf8', o, o + ipLen);
    o += ipLen;
    out.push({ seq, time, qos, userId, ip, payload: data.subarray(o, o + size) });
    o += size;
  }
  return out;
}

/**
 * A capture batch as it crosses to the writer thread: small dictionaries of topics and publishers, and
 * one buffer holding per message a fixed entry and its payload. Building it costs the broker's thread a
 * few numeric writes and one payload copy per message; the strings are written once per batch.
 */
export interface CaptureBatch {
  /** `[systemKey, topic]` pairs, flattened; a message refers to pair i. */
  readonly topics: readonly string[];
  /** `[userId, ip]` pairs, flattened. */
  readonly publishers: readonly string[];
  /** Per message: topic u32 | publisher u32 | time f64 | qos u8 | size u32 | payload. Owns its ArrayBuffer. */
  readonly data: Buffer;
  readonly count: number;
}

/** Bytes of a batch entry before its payload. */
export const BATCH_ENTRY = 4 + 4 + 8 + 1 + 4;

const INITIAL_BATCH_BYTES = 64 * 1024;
const NO_PUBLISHER = {};

/** Accumulates one capture batch; `take()` hands it over and starts the next. */
export class CaptureBatchBuilder {
  #data = Buffer.allocUnsafeSlow(INITIAL_BATCH_BYTES);
  #used = 0;
  #count = 0;
  #topics: string[] = [];
  #publishers: string[] = [];
  #publisherIndex = new Map<object, number>();
  #epoch = 1;

  /** Changes whenever a batch is taken: a cached topic index is valid only within its epoch. */
  get epoch(): number {
    return this.#epoch;
  }

  get count(): number {
    return this.#count;
  }

  /** Adds a topic to this batch's dictionary; returns its index. */
  addTopic(systemKey: string, topic: string): number {
    this.#topics.push(systemKey, topic);
    return this.#topics.length / 2 - 1;
  }

  /** Appends one message; `publisher` identifies its sender (same object = same user and address). */
  add(
    topicIndex: number,
    publisher: object | undefined,
    userId: string,
    ip: string,
    time: number,
    qos: number,
    payload: Buffer,
  ): void {
    const key = publisher ?? NO_PUBLISHER;
    let p = this.#publisherIndex.get(key);
    if (p === undefined || this.#publishers[2 * p + 1] !== ip) {
      this.#publishers.push(userId.length > 1000 ? userId.slice(0, 1000) : userId, ip.slice(0, 80));
      p = this.#publishers.length / 2 - 1;
      this.#publisherIndex.set(key, p);
    }
    const need = BATCH_ENTRY + payload.length;
    if (this.#used + need > this.#data.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(this.#data.length * 2, this.#used + need));
      this.#data.copy(grown, 0, 0, this.#used);
      this.#data = grown;
    }
    const d = this.#data;
    let o = d.writeUInt32LE(topicIndex, this.#used);
    o = d.writeUInt32LE(p, o);
    o = d.writeDoubleLE(time, o);
    o = d.writeUInt8(qos, o);
    o = d.writeUInt32LE(payload.length, o);
    this.#used = o + payload.copy(d, o);
    this.#count++;
  }

  /** The batch so far (its buffer is handed over: it may be transferred); the builder starts afresh. */
  take(): CaptureBatch {
    const batch: CaptureBatch = {
      topics: this.#topics,
      publishers: this.#publishers,
      data: this.#data.subarray(0, this.#used),
      count: this.#count,
    };
    this.#data = Buffer.allocUnsafeSlow(this.#data.length);
    this.#used = 0;
    this.#count = 0;
    this.#topics = [];
    this.#publishers = [];
    this.#publisherIndex = new Map();
    this.#epoch++;
    return batch;
  }
}
