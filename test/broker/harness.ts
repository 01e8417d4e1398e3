// An in-memory MQTT harness for broker unit tests (after aedes' test/helper.js): the broker runs without a
// listener and every connection is a `node:stream` Duplex pair handed to `broker.handle()`, so the whole
// broker path (connect gate, tenancy, ACL, delivery, shared subscriptions) runs with no socket or port.
// Two kinds of client on it: real mqtt.js clients over the pair (`connect`), and packet-level clients that
// send mqtt-packet objects or exact bytes and await the broker's next packet (`open`).
// Tests that need a listener (pre-auth deadline, WebSocket, TLS, auth over MQTT ports) use helpers.ts.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { MqttClient, type IClientOptions } from 'mqtt';
import { generate, parser as createParser, type Packet } from 'mqtt-packet';
import { createBroker } from '../../broker/index.js';
import type { Broker, BrokerLimits } from '../../broker/types.js';
import { createMemoryLog } from '../../services/kernel/log.js';
import { systemClock, type Clock } from '../../services/kernel/clock.js';
import { waitFor } from '../helpers/wait-for.js';
import { DEFAULT_LIMITS, connected, createFakeAuth, type FakeAuth } from './helpers.js';

/** Two connected in-memory streams: what one side writes, the other reads; destroying one ends both. */
export function duplexPair(): [Duplex, Duplex] {
  const sides: Duplex[] = [];
  const make = (index: number): Duplex =>
    new Duplex({
      // as a TCP socket: the end of what one side reads ends what it writes, so both sides close
      allowHalfOpen: false,
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        const peer = sides[1 - index];
        if (!peer.destroyed) peer.push(chunk);
        callback();
      },
      final(callback) {
        sides[1 - index].push(null);
        callback();
      },
      destroy(err, callback) {
        const peer = sides[1 - index];
        if (!peer.destroyed) peer.destroy();
        callback(err);
      },
    });
  sides.push(make(0), make(1));
  return [sides[0], sides[1]];
}

/** A client speaking packets: what the broker sends is parsed and queued for `next()`. */
export interface PacketClient {
  /** Sends an mqtt-packet object, or exact bytes. */
  send(packet: Packet | Buffer): void;
  /** The next packet from the broker (bounded wait). */
  next(timeoutMs?: number): Promise<Packet>;
  /** Resolves when the broker closes the connection (bounded wait). */
  closed(timeoutMs?: number): Promise<void>;
  readonly isClosed: boolean;
  end(): void;
}

export interface MemoryBroker {
  readonly broker: Broker;
  readonly auth: FakeAuth;
  readonly log: ReturnType<typeof createMemoryLog>;
  readonly dataDir: string;
  /** An mqtt.js client over an in-memory pair; resolves at CONNACK 0, rejects with the refusal. */
  connect(token: string, systemKey: string, opts?: IClientOptions): Promise<MqttClient>;
  /** A packet-level connection, nothing sent yet. */
  open(): PacketClient;
  /** A packet-level connection past CONNACK (return code 0 expected). */
  login(token: string, systemKey: string, clientId: string, clean?: boolean): Promise<PacketClient>;
  /** Ends every client, closes the broker, removes its data dir. */
  close(): Promise<void>;
}

/** Builds a broker that never listens; its clients connect through `broker.handle()`. */
export async function startMemoryBroker(
  options: { auth?: FakeAuth; limits?: Partial<BrokerLimits>; clock?: Clock } = {},
): Promise<MemoryBroker> {
  const dataDir = mkdtempSync(join(tmpdir(), 'isobar-broker-mem-'));
  const auth = options.auth ?? createFakeAuth();
  const log = createMemoryLog();
  const off = -1;
  const broker = await createBroker(
    {
      host: '127.0.0.1',
      ports: { tcp: off, tls: off, ws: off, wss: off, auth: off, authTls: off, authWs: off, authWss: off },
      tls: undefined,
      dataDir,
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      publicHost: 'mqtt.example.test',
    },
    { auth, log, clock: options.clock ?? systemClock },
  );
  const clients = new Set<MqttClient>();
  const packetClients = new Set<PacketClient>();

  const pipe = (): Duplex => {
    const [client, server] = duplexPair();
    broker.handle(server);
    return client;
  };

  const open = (): PacketClient => {
    const conn = pipe();
    const parser = createParser();
    const queue: Packet[] = [];
    const arrived = new EventEmitter();
    parser.on('packet', (p: Packet) => {
      queue.push(p);
      arrived.emit('packet');
    });
    parser.on('error', () => {});
    conn.on('data', (b: Buffer) => parser.parse(b));
    conn.on('error', () => {});
    let isClosed = false;
    conn.once('close', () => {
      isClosed = true;
    });
    const c: PacketClient = {
      send(packet) {
        if (!conn.destroyed) conn.write(Buffer.isBuffer(packet) ? packet : generate(packet));
      },
      async next(timeoutMs = 3000) {
        const ready = queue.shift();
        if (ready !== undefined) return ready;
        await waitFor(arrived, 'packet', () => queue.length > 0, {
          timeoutMs,
          what: 'a packet from the broker',
        });
        const p = queue.shift();
        if (p === undefined) throw new Error('packet vanished');
        return p;
      },
      async closed(timeoutMs = 3000) {
        if (isClosed) return;
        await waitFor(conn, 'close', undefined, { timeoutMs, what: 'the broker closing the connection' });
      },
      get isClosed() {
        return isClosed;
      },
      end() {
        conn.destroy();
      },
    };
    packetClients.add(c);
    return c;
  };

  return {
    broker,
    auth,
    log,
    dataDir,
    async connect(token, systemKey, opts = {}) {
      const client = new MqttClient(() => pipe(), {
        protocolVersion: 4,
        clientId: `mem-${Math.random().toString(16).slice(2, 10)}`,
        clean: true,
        keepalive: 0,
        reconnectPeriod: 0,
        connectTimeout: 5000,
        username: token,
        password: systemKey,
        ...opts,
      });
      clients.add(client);
      return connected(client);
    },
    open,
    async login(token, systemKey, clientId, clean = true) {
      const c = open();
      c.send({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clean,
        clientId,
        keepalive: 0,
        username: token,
        password: Buffer.from(systemKey),
      });
      const ack = await c.next();
      if (ack.cmd !== 'connack' || ack.returnCode !== 0) {
        throw new Error(`not admitted: ${JSON.stringify(ack)}`);
      }
      return c;
    },
    async close() {
      await Promise.all([...clients].map((c) => c.endAsync(true).catch(() => {})));
      for (const c of packetClients) c.end();
      await broker.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
