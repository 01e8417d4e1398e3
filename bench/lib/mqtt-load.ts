// A raw-socket MQTT 3.1.1 load generator: packets are encoded once and written in batches, incoming
// frames are counted by a tiny scanner (no full parse), QoS 1 is acknowledged in place. It costs far
// less per message than mqtt.js, so the broker saturates before the generator does.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { generate } from 'mqtt-packet';

export interface RawMqtt {
  readonly socket: Socket;
  /** Writes bytes; resolves when the socket can take more (back-pressure). */
  write(bytes: Buffer): Promise<void>;
  /** PUBLISH frames received so far. */
  readonly received: number;
  /** PUBACKs received so far. */
  readonly acked: number;
  /** SUBACKs received so far. */
  readonly subacked: number;
  /** Called with the payload of every PUBLISH (only when set; costs a slice). */
  onPayload?: (payload: Buffer) => void;
  close(): void;
}

/** Connects one client and waits for CONNACK 0. */
export async function rawClient(
  port: number,
  options: { clientId: string; username?: string; password?: string; keepalive?: number },
): Promise<RawMqtt> {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await once(socket, 'connect');
  let pending: Buffer | undefined;
  let connacked: (() => void) | undefined;
  let failed: ((err: Error) => void) | undefined;
  const client: RawMqtt = {
    socket,
    received: 0,
    acked: 0,
    subacked: 0,
    async write(bytes) {
      if (!socket.write(bytes)) await once(socket, 'drain');
    },
    close: () => socket.destroy(),
  };
  const counts = client as { received: number; acked: number; subacked: number };
  const acks: Buffer[] = [];
  // Scans whole frames: fixed header byte, variable-length remaining length, body.
  socket.on('data', (chunk: Buffer) => {
    let buf = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
    let at = 0;
    while (at < buf.length) {
      const first = buf[at];
      let len = 0;
      let mul = 1;
      let i = at + 1;
      let complete = false;
      while (i < buf.length) {
        const b = buf[i++];
        len += (b & 0x7f) * mul;
        mul *= 128;
        if ((b & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || i + len > buf.length) break;
      const type = first >> 4;
      if (type === 3) {
        counts.received++;
        const qos = (first >> 1) & 3;
        const topicLen = buf.readUInt16BE(i);
        let payloadAt = i + 2 + topicLen;
        if (qos > 0) {
          acks.push(Buffer.from([0x40, 0x02, buf[payloadAt], buf[payloadAt + 1]]));
          payloadAt += 2;
        }
        if (client.onPayload !== undefined) client.onPayload(buf.subarray(payloadAt, i + len));
      } else if (type === 4) {
        counts.acked++;
      } else if (type === 9) {
        counts.subacked++;
      } else if (type === 2) {
        if (buf[i + 1] === 0) connacked?.();
        else failed?.(new Error(`CONNACK ${String(buf[i + 1])}`));
      }
      at = i + len;
    }
    pending = at < buf.length ? buf.subarray(at) : undefined;
    buf = Buffer.alloc(0);
    if (acks.length > 0) socket.write(Buffer.concat(acks.splice(0)));
  });
  socket.on('error', () => {});
  const ready = new Promise<void>((resolve, reject) => {
    connacked = resolve;
    failed = reject;
  });
  socket.write(
    generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      clientId: options.clientId,
      keepalive: options.keepalive ?? 0,
      username: options.username,
      password: options.password === undefined ? undefined : Buffer.from(options.password),
    }),
  );
  await ready;
  return client;
}

/** Encoded SUBSCRIBE. */
export function subscribePacket(topic: string, qos: 0 | 1, messageId = 1): Buffer {
  return generate({ cmd: 'subscribe', messageId, subscriptions: [{ topic, qos }] });
}

/** Encoded PUBLISH (messageId 1 for QoS 1: ids may repeat once acknowledged; the window stays below). */
export function publishPacket(topic: string, payload: Buffer, qos: 0 | 1, messageId = 1): Buffer {
  return generate({
    cmd: 'publish',
    topic,
    payload,
    qos,
    retain: false,
    dup: false,
    messageId: qos > 0 ? messageId : undefined,
  });
}

/** Waits until `check()` holds, polling each `everyMs` (bench only), or rejects after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs: number, everyMs = 2): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('bench step timed out');
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Subscribes every client to `filter` and waits (bounded) for each one's SUBACK: one set-up for every bench. */
export async function subscribeAll(clients: readonly RawMqtt[], filter: string, qos: 0 | 1): Promise<void> {
  const before = clients.map((c) => c.subacked);
  for (const [i, c] of clients.entries()) await c.write(subscribePacket(filter, qos, before[i] + 1));
  await until(() => clients.every((c, i) => c.subacked > before[i]), 10_000);
}

const PAYLOAD = Buffer.alloc(64, 120);

/** Pre-encoded QoS 1 packets with distinct ids, reused round-robin under a window smaller than their count. */
const qos1Packets = (topic: string) =>
  Array.from({ length: 1024 }, (_, i) => publishPacket(topic, PAYLOAD, 1, i + 1));

/** Publishes `count` 64-byte messages as fast as the broker takes them: one generator for every fan-in bench. */
export async function publishAll(pub: RawMqtt, topic: string, count: number, qos: 0 | 1): Promise<void> {
  if (qos === 0) {
    const batch = Buffer.concat(Array.from({ length: 100 }, () => publishPacket(topic, PAYLOAD, 0)));
    for (let sent = 0; sent < count; sent += 100) await pub.write(batch);
    return;
  }
  const packets = qos1Packets(topic);
  const window = 1000;
  let sent = 0;
  while (sent < count) {
    const room = Math.min(window - (sent - pub.acked), count - sent, 100);
    if (room <= 0) {
      await until(() => sent - pub.acked < window / 2, 30_000, 0);
      continue;
    }
    const chunk: Buffer[] = [];
    for (let i = 0; i < room; i++) chunk.push(packets[(sent + i) % packets.length]);
    sent += room;
    await pub.write(Buffer.concat(chunk));
  }
}
