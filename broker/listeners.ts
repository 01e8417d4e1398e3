// The eight listeners of DESIGN.md "MQTT surface": MQTT over TCP, TLS, WebSocket and secure WebSocket,
// and the same four for auth over MQTT. Each port: 0 = any free port, -1 = disabled. Every socket gets
// `noDelay` (Nagle plus delayed ACKs add ~10 ms at low rates).
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Log } from '../runtime-api/log.js';
import { loadTls, type TlsMaterial } from './tls.js';
import type { BrokerPorts as BrokerPortsLike, ListeningPorts } from './types.js';

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

/** WebSocket subprotocols MQTT clients offer (Paho falls back to `mqttv3.1`). */
const SUBPROTOCOLS = ['mqtt', 'mqttv3.1'];

/** Opens one listener on `host`; resolves once it listens. */
export async function openListener(
  host: string,
  spec: ListenerSpec,
  tls: TlsMaterial | undefined,
): Promise<Listener> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  let server: Server | HttpServer;
  let wss: WebSocketServer | undefined;
  if (spec.kind === 'tcp' || spec.kind === 'tls') {
    const onSocket = (socket: Socket) => {
      track(socket);
      spec.handler(socket, socket.remoteAddress ?? '');
    };
    server =
      spec.kind === 'tcp'
        ? createNetServer(onSocket)
        : createTlsServer({ cert: tls?.cert, key: tls?.key }, onSocket);
  } else {
    server = spec.kind === 'ws' ? createHttpServer() : createHttpsServer({ cert: tls?.cert, key: tls?.key });
    const ws = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      handleProtocols: (offered) => SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
    });
    wss = ws;
    const paths = spec.paths ?? ['/mqtt'];
    server.on('connection', (socket: Socket) => track(socket));
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
        const stream = createWebSocketStream(client);
        stream.on('error', () => stream.destroy());
        spec.handler(stream, req.socket.remoteAddress ?? '');
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
  },
  deps: { gate: { admit: ConnectionHandler }; authOverMqtt: { handle: ConnectionHandler }; log: Log },
): Promise<ListenerSet> {
  const p = options.ports;
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
      const listener = await openListener(options.host, spec, tls);
      open.push(listener);
      ports[name] = listener.port;
    }
  } catch (err) {
    await Promise.all(open.map((l) => l.close()));
    throw err;
  }
  return { ports, close: async () => void (await Promise.all(open.map((l) => l.close()))) };
}
