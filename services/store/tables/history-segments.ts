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

const HEADER = 8 + 1 + 4 + 4 + 2 + 1;

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
