// Byte layouts of message history.
//
// A segment holds the messages one topic received in one capture batch, stored together in one row:
// one row per batch and topic instead of one per message keeps capture cheap enough to run beside the
// broker (SQLite's per-row cost is paid once for many messages).
//   segment  = publishers u32 | publisher* | message*
//   publisher = userLen u16 | ipLen u8 | user | ip
//   message  = publisher u32 | seq u32 | time f64 | qos u8 | size u32 | payload
// A capture batch entry is `topic u32 | message`, so the writer copies each message in one piece and
// only patches its publisher (batch → segment dictionary) and seq.

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

/** Bytes of a message before its payload. */
export const MESSAGE_HEADER = 4 + 4 + 8 + 1 + 4;
/** Bytes of a capture batch entry before its message. */
export const ENTRY_PREFIX = 4;
/** Offset of `size` inside a message. */
export const SIZE_AT = 17;

/** Ids of messages: segment id × this + seq (seq stays below it). */
export const SEQ_SPAN = 65_536;

/** A publisher as a segment dictionary entry. */
export function encodePublisher(userId: string, ip: string): Buffer {
  const user = Buffer.from(userId.length > 1000 ? userId.slice(0, 1000) : userId);
  const addr = Buffer.from(ip.slice(0, 80));
  const out = Buffer.allocUnsafe(3 + user.length + addr.length);
  out.writeUInt16LE(user.length, 0);
  out.writeUInt8(addr.length, 2);
  user.copy(out, 3);
  addr.copy(out, 3 + user.length);
  return out;
}

/** Encodes messages into one segment blob (rewrites after a delete keep each message's seq). */
export function encodeSegment(messages: readonly SegmentMessage[]): Buffer {
  const dictionary = new Map<string, number>();
  const publishers: Buffer[] = [];
  const index = messages.map((m) => {
    const key = `${m.userId}\u0000${m.ip}`;
    let p = dictionary.get(key);
    if (p === undefined) {
      p = publishers.push(encodePublisher(m.userId, m.ip)) - 1;
      dictionary.set(key, p);
    }
    return p;
  });
  let size = 4;
  for (const p of publishers) size += p.length;
  for (const m of messages) size += MESSAGE_HEADER + m.payload.length;
  const out = Buffer.allocUnsafe(size);
  let o = out.writeUInt32LE(publishers.length, 0);
  for (const p of publishers) o += p.copy(out, o);
  messages.forEach((m, i) => {
    o = out.writeUInt32LE(index[i], o);
    o = out.writeUInt32LE(m.seq, o);
    o = out.writeDoubleLE(m.time, o);
    o = out.writeUInt8(m.qos, o);
    o = out.writeUInt32LE(m.payload.length, o);
    o += m.payload.copy(out, o);
  });
  return out;
}

/** Decodes a segment blob, in stored (arrival) order; payloads are views into `data`. */
export function decodeSegment(data: Buffer): SegmentMessage[] {
  const publishers: Array<{ userId: string; ip: string }> = [];
  const n = data.readUInt32LE(0);
  let o = 4;
  for (let i = 0; i < n; i++) {
    const userLen = data.readUInt16LE(o);
    const ipLen = data.readUInt8(o + 2);
    o += 3;
    publishers.push({
      userId: data.toString('utf8', o, o + userLen),
      ip: data.toString('utf8', o + userLen, o + userLen + ipLen),
    });
    o += userLen + ipLen;
  }
  const out: SegmentMessage[] = [];
  while (o < data.length) {
    const p = publishers[data.readUInt32LE(o)];
    const size = data.readUInt32LE(o + SIZE_AT);
    out.push({
      seq: data.readUInt32LE(o + 4),
      time: data.readDoubleLE(o + 8),
      qos: data.readUInt8(o + 16),
      userId: p.userId,
      ip: p.ip,
      payload: data.subarray(o + MESSAGE_HEADER, o + MESSAGE_HEADER + size),
    });
    o += MESSAGE_HEADER + size;
  }
  return out;
}

/**
 * A capture batch as it crosses to the writer thread: small dictionaries of topics and publishers, and
 * one buffer of entries. Building it costs the broker's thread a few numeric writes and one payload
 * copy per message; the strings are written once per batch.
 */
export interface CaptureBatch {
  /** `[systemKey, topic]` pairs, flattened; an entry refers to pair i. */
  readonly topics: readonly string[];
  /** `[userId, ip]` pairs, flattened. */
  readonly publishers: readonly string[];
  /** Entries (`topic u32 | message`). Owns its ArrayBuffer. */
  readonly data: Buffer;
  readonly count: number;
}

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
  /** Buffers the writer handed back: reusing them spares the broker's thread an allocation per batch. */
  readonly #spares: ArrayBuffer[] = [];

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
      p = this.#publishers.push(userId, ip) / 2 - 1;
      this.#publisherIndex.set(key, p);
    }
    const need = ENTRY_PREFIX + MESSAGE_HEADER + payload.length;
    if (this.#used + need > this.#data.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(this.#data.length * 2, this.#used + need));
      this.#data.copy(grown, 0, 0, this.#used);
      this.#data = grown;
    }
    const d = this.#data;
    let o = d.writeUInt32LE(topicIndex, this.#used);
    o = d.writeUInt32LE(p, o);
    o = d.writeUInt32LE(0, o);
    o = d.writeDoubleLE(time, o);
    o = d.writeUInt8(qos, o);
    o = d.writeUInt32LE(payload.length, o);
    d.set(payload, o); // TypedArray#set: cheaper than Buffer#copy for the small payloads MQTT carries
    this.#used = o + payload.length;
    this.#count++;
  }

  /** Keeps a buffer of a stored batch for a later one (at most two are kept). */
  recycle(buffer: ArrayBuffer): void {
    if (this.#spares.length < 2) this.#spares.push(buffer);
  }

  /** The batch so far (its buffer is handed over: it may be transferred); the builder starts afresh. */
  take(): CaptureBatch {
    const batch: CaptureBatch = {
      topics: this.#topics,
      publishers: this.#publishers,
      data: this.#data.subarray(0, this.#used),
      count: this.#count,
    };
    const spare = this.#spares.pop();
    this.#data =
      spare !== undefined && spare.byteLength >= this.#data.length
        ? Buffer.from(spare)
        : Buffer.allocUnsafeSlow(this.#data.length);
    this.#used = 0;
    this.#count = 0;
    this.#topics = [];
    this.#publishers = [];
    this.#publisherIndex = new Map();
    this.#epoch++;
    return batch;
  }
}
