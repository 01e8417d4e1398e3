// Property test (DESIGN.md "Security model": no client can crash the platform): hostile bytes on every MQTT listener of a real platform, before
// and after CONNECT — random bytes, valid packets with flipped bytes, wrong remaining lengths, huge
// declared lengths, malformed length fields. Property: after each batch the process is up, logged no
// error, and a fresh client with a real token connects and gets a message through. Bounded: RUNS batches
// (ISOBAR_FUZZ_RUNS raises it for a longer local run); fast-check prints the seed of a failing batch.
import { expect } from 'chai';
import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import fc from 'fast-check';
import mqtt from 'mqtt';
import { generate, parser as createParser, type Packet } from 'mqtt-packet';
import WebSocket from 'ws';
import type { Ports } from '../../services/platform.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { api, devLogin, newSystem, newUser } from '../services/identity/helpers.js';
import { clientEvent, collect } from './helpers.js';
import { frame, remainingLength } from './raw.js';

const RUNS = Number(process.env.ISOBAR_FUZZ_RUNS ?? 50);

type Listener = 'mqtt' | 'mqtts' | 'ws' | 'wss' | 'auth' | 'authTls' | 'authWs' | 'authWss';
const LISTENERS: Listener[] = ['mqtt', 'mqtts', 'ws', 'wss', 'auth', 'authTls', 'authWs', 'authWss'];
const TLS = new Set<Listener>(['mqtts', 'wss', 'authTls', 'authWss']);
const WS = new Set<Listener>(['ws', 'wss', 'authWs', 'authWss']);
const AUTH = new Set<Listener>(['auth', 'authTls', 'authWs', 'authWss']);

/** A raw connection to one listener: bytes out (one WebSocket message per chunk), CONNACK in. */
interface Transport {
  write(chunk: Buffer): Promise<void>;
  /** The first CONNACK's return code, or undefined when the broker closed or stayed silent (bounded). */
  connack(timeoutMs: number): Promise<number | undefined>;
  destroy(): void;
}

async function openTransport(ports: Ports, name: Listener): Promise<Transport> {
  const parser = createParser();
  let closed = false;
  const closers: Array<() => void> = [];
  const onClose = () => {
    closed = true;
    for (const c of closers.splice(0)) c();
  };
  parser.on('error', () => {});
  const port = ports[name] ?? 0;
  let write: (chunk: Buffer) => Promise<void>;
  let destroy: () => void;
  if (WS.has(name)) {
    const path = AUTH.has(name) ? '/mqtt_auth' : '/mqtt';
    const ws = new WebSocket(`${TLS.has(name) ? 'wss' : 'ws'}://127.0.0.1:${String(port)}${path}`, ['mqtt'], {
      rejectUnauthorized: false,
    });
    ws.on('error', () => {});
    ws.on('message', (data: Buffer) => parser.parse(data));
    ws.on('close', onClose);
    await once(ws, 'open');
    write = (chunk) =>
      new Promise((resolve) => {
        if (ws.readyState !== WebSocket.OPEN) return resolve();
        ws.send(chunk, () => resolve());
      });
    destroy = () => ws.terminate();
  } else {
    const socket: Socket = TLS.has(name)
      ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false })
      : netConnect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.on('data', (b: Buffer) => parser.parse(b));
    socket.on('close', onClose);
    await once(socket, TLS.has(name) ? 'secureConnect' : 'connect');
    write = (chunk) =>
      new Promise((resolve) => {
        if (socket.destroyed) return resolve();
        socket.write(chunk, () => resolve());
      });
    destroy = () => socket.destroy();
  }
  return {
    write,
    destroy,
    connack(timeoutMs) {
      return new Promise((resolve) => {
        if (closed) return resolve(undefined);
        const timer = setTimeout(() => resolve(undefined), timeoutMs);
        closers.push(() => {
          clearTimeout(timer);
          resolve(undefined);
        });
        parser.on('packet', (p: Packet) => {
          if (p.cmd !== 'connack') return;
          clearTimeout(timer);
          resolve(p.returnCode ?? 0);
        });
      });
    },
  };
}

/** A clean MQTT 3.1.1 CONNECT: a token login (password: the system key), or without one an auth-listener login. */
function loginPacket(clientId: string, username: string, password?: string): Packet {
  return {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    clientId,
    keepalive: 30,
    username,
    ...(password === undefined ? {} : { password: Buffer.from(password) }),
  };
}

/** Valid packets of every kind the broker reads (the seeds the mutations start from). */
function seeds(token: string, systemKey: string, login: string): Buffer[] {
  const packets: Packet[] = [
    loginPacket('fz', token, systemKey),
    loginPacket(login, systemKey),
    {
      cmd: 'connect',
      protocolId: 'MQIsdp',
      protocolVersion: 3,
      clean: false,
      clientId: 'fz-will',
      keepalive: 0,
      username: token,
      password: Buffer.from(systemKey),
      will: { topic: 'fuzz/will', payload: Buffer.from('w'), qos: 1, retain: true },
    },
    { cmd: 'publish', topic: 'fuzz/a', payload: Buffer.from('hello'), qos: 0, retain: false, dup: false },
    {
      cmd: 'publish',
      topic: 'fuzz/b',
      payload: Buffer.alloc(40, 1),
      qos: 1,
      messageId: 7,
      retain: true,
      dup: false,
    },
    {
      cmd: 'publish',
      topic: '$trigger/x',
      payload: Buffer.from('x'),
      qos: 2,
      messageId: 9,
      retain: false,
      dup: false,
    },
    {
      cmd: 'subscribe',
      messageId: 3,
      subscriptions: [
        { topic: 'fuzz/#', qos: 2 },
        { topic: '$share/g/fuzz/+', qos: 1 },
      ],
    },
    { cmd: 'subscribe', messageId: 4, subscriptions: [{ topic: 'auth', qos: 0 }] },
    { cmd: 'unsubscribe', messageId: 5, unsubscriptions: ['fuzz/#', '$share/g/fuzz/+'] },
    { cmd: 'puback', messageId: 7 },
    { cmd: 'pubrec', messageId: 9 },
    { cmd: 'pubrel', messageId: 9 },
    { cmd: 'pubcomp', messageId: 9 },
    { cmd: 'pingreq' },
    { cmd: 'disconnect' },
  ];
  return packets.map((p) => generate(p));
}

/** Where a packet's body starts (after its fixed header). */
function bodyStart(packet: Buffer): number {
  let at = 1;
  while (at < packet.length && at < 5 && (packet[at] & 0x80) !== 0) at++;
  return at + 1;
}

/** The hostile chunks: each arbitrary is one way of lying to a parser. */
function chunkArbitrary(valid: Buffer[]): fc.Arbitrary<Buffer> {
  const seed = fc.constantFrom(...valid);
  const randomBytes = fc.uint8Array({ minLength: 1, maxLength: 300 }).map((a) => Buffer.from(a));
  const flipped = fc
    .tuple(
      seed,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
    )
    .map(([packet, flips]) => {
      const copy = Buffer.from(packet);
      for (const [at, value] of flips) copy[at % copy.length] = value;
      return copy;
    });
  const wrongLength = fc.tuple(seed, fc.integer({ min: 0, max: 300 })).map(([packet, length]) => {
    const body = packet.subarray(bodyStart(packet));
    return Buffer.concat([packet.subarray(0, 1), remainingLength(length), body]);
  });
  const hugeLength = fc
    .tuple(
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 65536, max: 268_435_455 }),
      fc.uint8Array({ maxLength: 64 }),
    )
    .map(([first, length, rest]) =>
      Buffer.concat([Buffer.from([first]), remainingLength(length), Buffer.from(rest)]),
    );
  const badVarint = fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 16 }))
    .map(([first, rest]) =>
      Buffer.concat([Buffer.from([first, 0xff, 0xff, 0xff, 0xff, 0xff]), Buffer.from(rest)]),
    );
  const validSequence = fc.array(seed, { minLength: 1, maxLength: 4 }).map((ps) => Buffer.concat(ps));
  const oversizedPublish = fc
    .integer({ min: 70_000, max: 200_000 })
    .map((n) =>
      frame(0x30, Buffer.concat([Buffer.from([0, 6]), Buffer.from('fuzz/c'), Buffer.alloc(n - 8)])),
    );
  return fc.oneof(
    { arbitrary: randomBytes, weight: 3 },
    { arbitrary: flipped, weight: 4 },
    { arbitrary: wrongLength, weight: 2 },
    { arbitrary: hugeLength, weight: 2 },
    { arbitrary: badVarint, weight: 1 },
    { arbitrary: validSequence, weight: 2 },
    { arbitrary: oversizedPublish, weight: 1 },
  );
}

describe('broker fuzz: hostile MQTT bytes on every listener, before and after CONNECT', function () {
  this.timeout(Math.max(60000, RUNS * 2000));
  let tp: TestPlatform;
  let token: string;
  let systemKey: string;
  let login: string;
  let seq = 0;

  before(async () => {
    tp = await startTestPlatform();
    const a = api(tp.url);
    const dev = await devLogin(a);
    const sys = await newSystem(a, dev);
    await newUser(a, sys, 'fuzz@example.test');
    token = dev.token;
    systemKey = sys.systemKey;
    login = 'fuzz@example.test:user-pass-1';
  });
  after(() => tp.close({ removeData: true }));

  /** A fresh client with a real token connects, subscribes and gets its own message back. */
  const alive = async (run: number) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${String(tp.ports.mqtt)}`, {
      username: token,
      password: systemKey,
      clientId: `live-${String(run)}`,
      reconnectPeriod: 0,
    });
    try {
      await clientEvent(client, 'connect');
      await client.subscribeAsync('live/#');
      const got = collect(client, 1);
      await client.publishAsync('live/x', `run ${String(run)}`);
      expect((await got)[0].payload).to.equal(`run ${String(run)}`);
    } finally {
      await client.endAsync(true);
    }
  };

  /** One listener, one phase: optionally a real CONNECT first, then the hostile chunks. */
  const attack = async (name: Listener, afterConnect: boolean, chunks: Buffer[]) => {
    const t = await openTransport(tp.ports, name);
    try {
      if (afterConnect) {
        const connect = generate(
          AUTH.has(name)
            ? loginPacket(login, systemKey)
            : loginPacket(`fz-${String(++seq)}`, token, systemKey),
        );
        const connack = t.connack(5000);
        await t.write(connect);
        // the auth ports may answer 3 once the login throttle has seen the mutated passwords
        const code = await connack;
        if (!AUTH.has(name)) expect(code).to.equal(0);
      }
      for (const chunk of chunks) await t.write(chunk);
    } finally {
      t.destroy();
    }
  };

  it('stays up and serves a fresh client after each batch', async () => {
    const errorsBefore = tp.log.lines.filter((l) => l.level === 'error').length;
    const valid = seeds(token, systemKey, login);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(chunkArbitrary(valid), { minLength: 1, maxLength: 5 }), async (chunks) => {
        run++;
        await Promise.all(
          LISTENERS.flatMap((name) => [attack(name, false, chunks), attack(name, true, chunks)]),
        );
        await alive(run);
      }),
      { numRuns: RUNS },
    );
    const errors = tp.log.lines.filter((l) => l.level === 'error').slice(errorsBefore);
    expect(errors, JSON.stringify(errors.slice(0, 3))).to.have.length(0);
    expect(tp.platform).to.not.equal(undefined);
  });
});
