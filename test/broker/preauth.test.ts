import { expect } from 'chai';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import mqtt, { type MqttClient } from 'mqtt';
import WebSocket from 'ws';
import { createBroker } from '../../broker/index.js';
import type { Broker, ListeningPorts } from '../../broker/types.js';
import { createMemoryLog } from '../../services/kernel/log.js';
import { systemClock } from '../../services/kernel/clock.js';
import { useFixture } from '../helpers/fixture.js';
import { DEFAULT_LIMITS, SYS_A, clientEvent, collect, createFakeAuth, removeDir } from './helpers.js';
import { frame } from './raw.js';

type PortName = keyof ListeningPorts;
const TCP_LIKE: PortName[] = ['mqtt', 'mqtts', 'auth', 'authTls'];
const WS_LIKE: PortName[] = ['ws', 'wss', 'authWs', 'authWss'];
const SECURE = new Set<PortName>(['mqtts', 'authTls', 'wss', 'authWss']);

interface Running {
  broker: Broker;
  ports: ListeningPorts;
  dataDir: string;
}

/** A broker with every listener on an ephemeral port and the given connect timeout (seconds). */
async function start(connectTimeout: number): Promise<Running> {
  const dataDir = mkdtempSync(join(tmpdir(), 'isobar-preauth-'));
  const auth = createFakeAuth();
  auth.add('tok', { kind: 'user', id: 'u1', name: 'u@x', systemKey: SYS_A });
  const broker = await createBroker(
    {
      host: '127.0.0.1',
      ports: { tcp: 0, tls: 0, ws: 0, wss: 0, auth: 0, authTls: 0, authWs: 0, authWss: 0 },
      tls: undefined,
      dataDir,
      limits: DEFAULT_LIMITS, // preAuthPacketSize: the 64 KiB default; maxPacketSize 1 MiB
      publicHost: 'mqtt.example.test',
      connectTimeout,
    },
    { auth, log: createMemoryLog(), clock: systemClock },
  );
  return { broker, ports: await broker.listen(), dataDir };
}

/** Registers the hooks that start a broker with this connect timeout (seconds) for the suite and stop it. */
function useBroker(connectTimeout: number): Running {
  return useFixture(
    () => start(connectTimeout),
    async (r) => {
      await r.broker.close();
      removeDir(r.dataDir);
    },
  );
}

const port = (r: Running, name: PortName): number => r.ports[name] ?? 0;

/** A TCP (or TLS) connection that has done nothing yet; resolves once it is open. */
async function openStream(r: Running, name: PortName): Promise<Socket> {
  const socket = SECURE.has(name)
    ? tlsConnect({ port: port(r, name), host: '127.0.0.1', rejectUnauthorized: false })
    : netConnect(port(r, name), '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, SECURE.has(name) ? 'secureConnect' : 'connect');
  return socket;
}

/** Resolves when the peer closes `socket`; rejects after `ms` (bounded wait). */
function closedWithin(socket: Socket | WebSocket, ms: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still open after ${String(ms)} ms`)), ms);
    socket.once('close', (code?: unknown) => {
      clearTimeout(timer);
      resolve(typeof code === 'number' ? code : undefined);
    });
  });
}

/** The first bytes of a CONNECT that declares `length` bytes of body (only its fixed header is sent). */
function hugeConnectHeader(length: number): Buffer {
  return frame(0x10, Buffer.alloc(length)).subarray(0, 16);
}

const wsUrl = (r: Running, name: PortName): string =>
  `${SECURE.has(name) ? 'wss' : 'ws'}://127.0.0.1:${String(port(r, name))}/mqtt`;

describe('broker: before authentication a connection holds little memory', function () {
  this.timeout(30000);
  const clients: MqttClient[] = [];
  const sockets: Array<Socket | WebSocket> = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    for (const s of sockets.splice(0)) s instanceof WebSocket ? s.terminate() : s.destroy();
  });

  describe('packet and message size before CONNECT (connect timeout 30 s)', () => {
    const r = useBroker(30);

    for (const name of TCP_LIKE) {
      it(`closes a ${name} connection whose first packet declares more than 64 KiB, once its header is read`, async () => {
        const socket = await openStream(r, name);
        sockets.push(socket);
        const closed = closedWithin(socket, 10000); // far below the 30 s connect timeout
        socket.write(hugeConnectHeader(100 * 1024));
        await closed;
      });
    }

    for (const name of WS_LIKE) {
      it(`refuses a WebSocket message above the pre-auth bound on ${name} with close code 1009`, async () => {
        const ws = new WebSocket(wsUrl(r, name), ['mqtt'], { rejectUnauthorized: false });
        sockets.push(ws);
        ws.on('error', () => {});
        await once(ws, 'open');
        const closed = closedWithin(ws, 10000);
        ws.send(Buffer.alloc(100 * 1024, 0x10));
        expect(await closed).to.equal(1009);
      });
    }

    it('applies the normal packet size once authenticated: a 200 KiB PUBLISH over TCP and over WebSocket', async () => {
      for (const url of [`mqtt://127.0.0.1:${String(r.ports.mqtt)}`, wsUrl(r, 'ws')]) {
        const client = mqtt.connect(url, { username: 'tok', password: SYS_A, reconnectPeriod: 0 });
        clients.push(client);
        await clientEvent(client, 'connect');
        await client.subscribeAsync('big/#');
        const got = collect(client, 1);
        await client.publishAsync('big/1', Buffer.alloc(200 * 1024, 7));
        expect((await got)[0].payload).to.have.length(200 * 1024);
      }
    });
  });

  describe('connect timeout from TCP accept (1 s)', () => {
    const r = useBroker(1);

    it('closes a connection that sends nothing on every listener (TLS handshake and WebSocket upgrade never start)', async () => {
      const all = [...TCP_LIKE, ...WS_LIKE];
      const opened = await Promise.all(
        all.map((name) => {
          const socket = netConnect(port(r, name), '127.0.0.1');
          socket.on('error', () => {});
          sockets.push(socket);
          return once(socket, 'connect').then(() => socket);
        }),
      );
      await Promise.all(opened.map((s) => closedWithin(s, 10000)));
    });

    it('closes a TCP connection that sent only part of its CONNECT', async () => {
      const socket = await openStream(r, 'mqtt');
      sockets.push(socket);
      const closed = closedWithin(socket, 10000);
      socket.write(frame(0x10, Buffer.alloc(1000)).subarray(0, 10));
      await closed;
    });

    it('closes an upgraded WebSocket that sends no CONNECT', async () => {
      const ws = new WebSocket(wsUrl(r, 'ws'), ['mqtt']);
      sockets.push(ws);
      ws.on('error', () => {});
      await once(ws, 'open');
      await closedWithin(ws, 10000);
    });

    it('keeps authenticated connections past the deadline (TCP, TLS, WebSocket, secure WebSocket)', async () => {
      const opts = {
        username: 'tok',
        password: SYS_A,
        reconnectPeriod: 0,
        keepalive: 0,
        rejectUnauthorized: false,
      };
      const connected = [
        mqtt.connect(`mqtt://127.0.0.1:${String(r.ports.mqtt)}`, opts),
        mqtt.connect(`mqtts://127.0.0.1:${String(r.ports.mqtts)}`, opts),
        mqtt.connect(wsUrl(r, 'ws'), opts),
        mqtt.connect(wsUrl(r, 'wss'), opts),
      ];
      clients.push(...connected);
      await Promise.all(connected.map((c) => clientEvent(c, 'connect')));
      // a connection accepted after them reaches its deadline, so theirs has passed too
      const idle = await openStream(r, 'mqtt');
      sockets.push(idle);
      await closedWithin(idle, 10000);
      const [first, ...others] = connected;
      await first.subscribeAsync('alive/#');
      const got = collect(first, others.length);
      for (const [i, c] of others.entries()) await c.publishAsync('alive/1', String(i));
      expect((await got).map((m) => m.payload).sort()).to.deep.equal(['0', '1', '2']);
      expect(connected.every((c) => c.connected)).to.equal(true);
    });
  });
});
