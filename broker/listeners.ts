// The eight listeners of DESIGN.md "MQTT surface": MQTT over TCP, TLS, WebSocket and secure WebSocket,
// and the same four for auth over MQTT. Each port: 0 = any free port, -1 = disabled. Every socket gets
// `noDelay` (Nagle plus delayed ACKs add ~10 ms at low rates).
// Before authentication a connection holds little (DESIGN.md "Security model"): it must be authenticated within
// the connect timeout counted from the TCP accept (TLS handshake and WebSocket upgrade included), and a
// WebSocket message may be no larger than the pre-auth packet bound until then. Auth-over-MQTT
// connections never authenticate a session, so they live at most the connect timeout.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { WebSocketServer, createWebSocketStream, type WebSocket } from 'ws';
import type { Clock } from '../runtime-api/clock.js';
import type { Log } from '../runtime-api/log.js';
import { limitsWithDefaults } from './limits.js';
import { loadTls, type TlsMaterial } from './tls.js';
import type { BrokerLimits, BrokerPorts as BrokerPortsLike, ListeningPorts } from './types.js';

/** Takes a new connection; `address` is the peer's address. */
export type ConnectionHandler = (conn: Duplex, address: string) => void;

export interface ListenerSpec {
  readonly port: number;
  readonly kind: 'tcp' | 'tls' | 'ws' | 'wss';
  /** WebSocket paths accepted (others get 404). */
  readonly paths?: readonly string[];
  readonly handler: ConnectionHandler;
}

export interface Listener {
  readonly port: number;
  close(): Promise<void>;
}

/** Bounds a connection lives under until it is authenticated. */
export interface PreAuthGuard {
  /** From TCP accept to `authenticated(conn)`; later, the connection is closed. */
  readonly connectTimeoutMs: number;
  /** Largest WebSocket message before authentication, bytes. */
  readonly preAuthMessage: number;
  /** Largest WebSocket message after it, bytes. */
  readonly maxMessage: number;
  readonly clock: Clock;
  readonly log: Log;
}

/** WebSocket subprotocols MQTT clients offer (Paho falls back to `mqttv3.1`). */
const SUBPROTOCOLS = ['mqtt', 'mqttv3.1'];

/** Bytes an MQTT fixed header adds to the remaining length a packet declares. */
const FIXED_HEADER_MAX = 5;

/** Per handed-over connection: what `authenticated` runs (cancel the deadline, raise limits). */
const lifts = new WeakMap<Duplex, () => void>();

/** The gate calls this once a connection has authenticated: its pre-auth bounds no longer apply. */
export function authenticated(conn: Duplex): void {
  const lift = lifts.get(conn);
  lifts.delete(conn);
  lift?.();
}

/**
 * Raises one WebSocket's message bound. `ws` fixes `maxPayload` per server, so the receiver's field is
 * set (ws 8 internals; test/broker/preauth.test.ts sends a large message after CONNECT to pin it).
 */
function setMaxMessage(client: WebSocket, bytes: number): void {
  const receiver = (client as unknown as { _receiver?: { _maxPayload?: number } })._receiver;
  if (receiver !== undefined) receiver._maxPayload = bytes;
}

/** A connection's identity on one listener (the same for the raw socket and its TLS or WebSocket layer). */
const peerKey = (s: { remoteAddress?: string; remotePort?: number }): string =>
  `${s.remoteAddress ?? ''}:${String(s.remotePort ?? 0)}`;

/** Opens one listener on `host`; resolves once it listens. */
export async function openListener(
  host: string,
  spec: ListenerSpec,
  tls: TlsMaterial | undefined,
  guard: PreAuthGuard,
): Promise<Listener> {
  const sockets = new Set<Socket>();
  const deadlines = new Map<string, () => void>();
  // Every raw TCP socket, before any TLS handshake or HTTP upgrade: the pre-auth deadline starts here.
  const track = (socket: Socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    const key = peerKey(socket);
    const cancel = guard.clock.setTimer(guard.connectTimeoutMs, () => {
      guard.log.info('mqtt connect timeout: connection closed', {
        address: socket.remoteAddress,
        listener: spec.kind,
      });
      socket.destroy();
    });
    deadlines.set(key, cancel);
    socket.once('close', () => {
      sockets.delete(socket);
      cancel();
      if (deadlines.get(key) === cancel) deadlines.delete(key);
    });
  };
  const hand = (conn: Duplex, peer: Socket, lift?: () => void) => {
    const key = peerKey(peer);
    lifts.set(conn, () => {
      deadlines.get(key)?.();
      deadlines.delete(key);
      lift?.();
    });
    spec.handler(conn, peer.remoteAddress ?? '');
  };
  let server: Server | HttpServer;
  let wss: WebSocketServer | undefined;
  if (spec.kind === 'tcp' || spec.kind === 'tls') {
    server =
      spec.kind === 'tcp'
        ? createNetServer()
        : createTlsServer({ cert: tls?.cert, key: tls?.key, handshakeTimeout: guard.connectTimeoutMs });
    server.on('connection', track); // first: the deadline exists before the handler sees the socket
    server.on(spec.kind === 'tcp' ? 'connection' : 'secureConnection', (socket: Socket) =>
      hand(socket, socket),
    );
  } else {
    server = spec.kind === 'ws' ? createHttpServer() : createHttpsServer({ cert: tls?.cert, key: tls?.key });
    const ws = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: guard.preAuthMessage, // ws' default is 100 MiB, buffered before any CONNECT
      handleProtocols: (offered) => SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
    });
    wss = ws;
    const paths = spec.paths ?? ['/mqtt'];
    server.on('connection', track);
    server.on('request', (_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only');
    });
    server.on('upgrade', (req, socket, head) => {
      const path = (req.url ?? '/').split('?')[0];
      if (!paths.includes(path)) {
        socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
        return;
      }
      ws.handleUpgrade(req, socket, head, (client) => {
        // A frame over the bound (or a malformed one): ws writes its close frame (1009/1002), then would keep
        // reading and discarding whatever the peer still sends while it waits for the close handshake. A peer
        // that broke the protocol gets no handshake: the socket goes at once, so a 16 MB frame costs 64 KiB.
        client.on('error', () => client.terminate());
        const stream = createWebSocketStream(client);
        stream.on('error', () => stream.destroy());
        hand(stream, req.socket, () => setMaxMessage(client, guard.maxMessage));
      });
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(spec.port, host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const client of wss?.clients ?? []) client.terminate();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

/** Which ports to open and who takes their connections. */
export interface ListenerSet {
  readonly ports: ListeningPorts;
  close(): Promise<void>;
}

/** Opens every enabled listener (port ≥ 0); TLS material is loaded or generated only when needed. */
export async function openListeners(
  options: {
    readonly host: string;
    readonly dataDir: string;
    readonly ports: BrokerPortsLike;
    readonly tls: { readonly cert: string; readonly key: string } | undefined;
    readonly limits: BrokerLimits;
    readonly connectTimeoutMs: number;
  },
  deps: {
    gate: { admit: ConnectionHandler };
    authOverMqtt: { handle: ConnectionHandler };
    log: Log;
    clock: Clock;
  },
): Promise<ListenerSet> {
  const p = options.ports;
  const limits = limitsWithDefaults(options.limits);
  const guard: PreAuthGuard = {
    connectTimeoutMs: options.connectTimeoutMs,
    preAuthMessage: Math.min(limits.preAuthPacketSize, limits.maxPacketSize) + FIXED_HEADER_MAX,
    maxMessage: limits.maxPacketSize + FIXED_HEADER_MAX,
    clock: deps.clock,
    log: deps.log,
  };
  const mqtt: ConnectionHandler = (conn, address) => deps.gate.admit(conn, address);
  const auth: ConnectionHandler = (conn, address) => deps.authOverMqtt.handle(conn, address);
  const authPaths = ['/mqtt_auth', '/mqtt', '/'];
  const specs: Array<[keyof ListenerSet['ports'], ListenerSpec]> = [
    ['mqtt', { port: p.tcp, kind: 'tcp', handler: mqtt }],
    ['mqtts', { port: p.tls, kind: 'tls', handler: mqtt }],
    ['ws', { port: p.ws, kind: 'ws', paths: ['/mqtt', '/'], handler: mqtt }],
    ['wss', { port: p.wss, kind: 'wss', paths: ['/mqtt', '/'], handler: mqtt }],
    ['auth', { port: p.auth, kind: 'tcp', handler: auth }],
    ['authTls', { port: p.authTls, kind: 'tls', handler: auth }],
    ['authWs', { port: p.authWs, kind: 'ws', paths: authPaths, handler: auth }],
    ['authWss', { port: p.authWss, kind: 'wss', paths: authPaths, handler: auth }],
  ];
  const needsTls = specs.some(([, s]) => s.port >= 0 && (s.kind === 'tls' || s.kind === 'wss'));
  const tls = needsTls ? await loadTls(options.tls, options.dataDir, deps.log) : undefined;
  const ports: ListenerSet['ports'] = {
    mqtt: null,
    mqtts: null,
    ws: null,
    wss: null,
    auth: null,
    authTls: null,
    authWs: null,
    authWss: null,
  };
  const open: Listener[] = [];
  try {
    for (const [name, spec] of specs) {
      if (spec.port < 0) continue;
      const listener = await openListener(options.host, spec, tls, guard);
      open.push(listener);
      ports[name] = listener.port;
    }
  } catch (err) {
    await Promise.all(open.map((l) => l.close()));
    throw err;
  }
  return { ports, close: async () => void (await Promise.all(open.map((l) => l.close()))) };
}
