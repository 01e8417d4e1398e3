// Test parts for the edge tests: a plain aedes broker on an ephemeral port, and a TCP proxy that can cut
// and restore a connection (an uplink outage without restarting anything).
import { EventEmitter, once } from 'node:events';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes, type AuthenticateHandler } from 'aedes';
import type { MqttClient } from 'mqtt';
import type { Broker, BrokerMessage, ClientIdentity } from '../../../broker/types.js';
import { waitFor } from '../../helpers/wait-for.js';

export interface TestBroker {
  readonly broker: Aedes;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** A bare aedes broker on 127.0.0.1, port 0. */
export async function startBroker(authenticate?: AuthenticateHandler): Promise<TestBroker> {
  const broker = await Aedes.createBroker(authenticate === undefined ? {} : { authenticate });
  const server = createServer((socket) => broker.handle(socket));
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    broker,
    port,
    url: `mqtt://127.0.0.1:${String(port)}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}

export interface TcpProxy {
  readonly port: number;
  /** Drops every open connection and refuses new ones until `restore()`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** Forwards 127.0.0.1:<port> to 127.0.0.1:<target>. */
export async function startProxy(target: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let refusing = false;
  const server: Server = createServer((inbound) => {
    if (refusing) {
      inbound.destroy();
      return;
    }
    const outbound = connect(target, '127.0.0.1');
    const pair: [Socket, Socket] = [inbound, outbound];
    pairs.add(pair);
    const drop = () => {
      inbound.destroy();
      outbound.destroy();
      pairs.delete(pair);
    };
    inbound.on('error', drop).on('close', drop);
    outbound.on('error', drop).on('close', drop);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const cut = () => {
    refusing = true;
    for (const [a, b] of [...pairs]) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  return {
    port: (server.address() as AddressInfo).port,
    cut,
    restore() {
      refusing = false;
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Resolves once `check()` holds, looked at now and again on every message `client` receives (its own
 * `message` listeners record first, so the state is current); rejects after `timeoutMs`.
 */
export async function arrived(
  client: MqttClient,
  check: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  if (!check()) await waitFor(client, 'message', check, { what, timeoutMs });
}

/** A plain aedes broker seen through the platform's Broker interface, for one system `sk`. */
export interface AdaptedBroker extends TestBroker {
  readonly port: number;
  readonly api: Pick<Broker, 'publish' | 'on'>;
}

/**
 * Starts aedes on port 0 and adapts it to the Broker interface the edge modules use. `identify` maps a
 * CONNECT user name to the identity the broker reports as publisher (undefined refuses with CONNACK 5).
 */
export async function startAdaptedBroker(
  identify: (username: string) => ClientIdentity | undefined = (u) => ({
    kind: 'developer',
    id: u,
    name: u,
    systemKey: 'sk',
  }),
): Promise<AdaptedBroker> {
  const identities = new Map<string, ClientIdentity>();
  const base = await startBroker((client, username, _password, done) => {
    const identity = identify(username ?? '');
    if (identity === undefined) {
      done(Object.assign(new Error('refused'), { returnCode: 5 }) as never, false);
      return;
    }
    identities.set(client.id, identity);
    done(null, true);
  });
  const emitter = new EventEmitter();
  base.broker.on('publish', (packet, client) => {
    if (packet.topic.startsWith('$SYS')) return;
    const message: BrokerMessage = {
      systemKey: 'sk',
      topic: packet.topic,
      payload: packet.payload as Buffer,
      qos: packet.qos,
      retain: packet.retain,
      publisher: client === null ? undefined : identities.get(client.id),
      hop: 0,
      time: Date.now(),
    };
    emitter.emit('published', message);
  });
  base.broker.on('clientDisconnect', (client) => {
    const identity = identities.get(client.id);
    if (identity !== undefined) emitter.emit('disconnected', { identity, clientId: client.id });
  });
  const api: Pick<Broker, 'publish' | 'on'> = {
    publish(_systemKey, topic, payload, opts) {
      return new Promise<void>((resolve) =>
        base.broker.publish(
          {
            cmd: 'publish',
            topic,
            payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
            qos: opts?.qos ?? 0,
            retain: opts?.retain ?? false,
            dup: false,
          },
          () => resolve(),
        ),
      );
    },
    on(event, listener) {
      emitter.on(event, listener);
      return () => {
        emitter.off(event, listener);
      };
    },
  };
  return { ...base, api };
}
