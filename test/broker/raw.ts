// Raw-socket MQTT for bad-input tests: send exact bytes, read parsed packets back.
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { generate, parser as createParser, type Packet } from 'mqtt-packet';

export interface RawClient {
  socket: Socket;
  send(bytes: Buffer | Packet): void;
  /** The next packet from the broker (bounded wait). */
  next(timeoutMs?: number): Promise<Packet>;
  /** Resolves when the broker closes the connection (bounded wait). */
  closed(timeoutMs?: number): Promise<void>;
  end(): void;
}

/** Opens a raw TCP connection to the broker. */
export async function rawConnect(port: number): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await once(socket, 'connect');
  const parser = createParser();
  const queue: Packet[] = [];
  const waiters: Array<(p: Packet) => void> = [];
  parser.on('packet', (p: Packet) => {
    const w = waiters.shift();
    if (w) w(p);
    else queue.push(p);
  });
  parser.on('error', () => {});
  socket.on('data', (b) => parser.parse(b));
  socket.on('error', () => {});
  let isClosed = false;
  socket.once('close', () => {
    isClosed = true;
  });
  return {
    socket,
    send(bytes) {
      socket.write(Buffer.isBuffer(bytes) ? bytes : generate(bytes));
    },
    next(timeoutMs = 3000) {
      const q = queue.shift();
      if (q) return Promise.resolve(q);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no packet from broker')), timeoutMs);
        waiters.push((p) => {
          clearTimeout(timer);
          resolve(p);
        });
      });
    },
    closed(timeoutMs = 3000) {
      if (isClosed) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('broker did not close the connection')), timeoutMs);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    end() {
      socket.destroy();
    },
  };
}

const str = (s: string | Buffer): Buffer => {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
};

/** The remaining-length field for `n` (MQTT variable byte integer); fuzzing writes wrong ones on purpose. */
export function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let digit = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) digit |= 0x80;
    out.push(digit);
  } while (n > 0);
  return Buffer.from(out);
}

/** A fixed header + remaining length + body. */
export function frame(firstByte: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([firstByte]), remainingLength(body.length), body]);
}

/** CONNECT bytes built by hand, so levels and flags mqtt-packet refuses to write can be sent. */
export function connectPacket(opts: {
  token?: string;
  systemKey?: string;
  clientId?: string;
  clean?: boolean;
  protocolVersion?: number;
}): Buffer {
  const version = opts.protocolVersion ?? 4;
  let flags = opts.clean === false ? 0 : 0x02;
  if (opts.token !== undefined) flags |= 0x80;
  if (opts.systemKey !== undefined) flags |= 0x40;
  const parts = [
    str(version === 3 ? 'MQIsdp' : 'MQTT'),
    Buffer.from(version === 5 ? [version, flags, 0, 30, 0] : [version, flags, 0, 30]),
    str(opts.clientId ?? 'raw-client'),
  ];
  if (opts.token !== undefined) parts.push(str(opts.token));
  if (opts.systemKey !== undefined) parts.push(str(opts.systemKey));
  return frame(0x10, Buffer.concat(parts));
}

/** A PUBLISH with a topic given as raw bytes (for invalid UTF-8). */
export function rawPublish(topic: Buffer, payload: Buffer, qos = 0, messageId = 1): Buffer {
  const body = [str(topic)];
  if (qos > 0) body.push(Buffer.from([messageId >> 8, messageId & 0xff]));
  body.push(payload);
  return frame(0x30 | (qos << 1), Buffer.concat(body));
}
