// A broker on ephemeral ports in a temp dir, with a small in-memory BrokerAuth: the unit boundary of the
// broker tests (the real identity service is exercised by test/services/messaging/*).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Packet } from 'mqtt-packet';
import { createBroker } from '../../broker/index.js';
import type { Broker, BrokerAuth, BrokerLimits, ClientIdentity, ListeningPorts } from '../../broker/types.js';
import type { Identity } from '../../runtime-api/identity.js';
import { IsobarError } from '../../runtime-api/errors/index.js';
import { topicMatches, filterCovers } from '../../runtime-api/topics.js';
import { createMemoryLog } from '../../services/kernel/log.js';
import { systemClock, type Clock } from '../../services/kernel/clock.js';
import { waitFor, type NodeEmitter } from '../helpers/wait-for.js';

export const SYS_A = 'aaaa0000aaaa0000aaaa0000aaaa';
export const SYS_B = 'bbbb0000bbbb0000bbbb0000bbbb';
export const SECRET_A = 'SECRETA';

/** Tokens → identities, and per-token topic grants (filter → level 1 sub, 2 pub, 3 both). */
export interface FakeAuth extends BrokerAuth {
  add(token: string, identity: Omit<Identity, 'token'>, grants?: Record<string, number>): void;
  /** The token no longer authenticates (revoked, its user deleted). */
  remove(token: string): void;
  grants: Map<string, Record<string, number>>;
  policy: Map<string, 'reject' | 'takeover'>;
  /** email:password → user ids for auth over MQTT. */
  users: Map<string, string>;
}

/** Creates the fake auth; the `dev` kind may do everything in its system. */
export function createFakeAuth(): FakeAuth {
  const identities = new Map<string, ClientIdentity>();
  const grants = new Map<string, Record<string, number>>();
  const policy = new Map<string, 'reject' | 'takeover'>();
  const users = new Map<string, string>();
  const systems = new Set([SYS_A, SYS_B]);
  const allowed = (identity: ClientIdentity, test: (filter: string) => boolean, bit: number) => {
    if (identity.kind === 'developer') return true;
    const g = grants.get(identity.token ?? '') ?? {};
    return Object.entries(g).some(([filter, level]) => (level & bit) !== 0 && test(filter));
  };
  return {
    grants,
    policy,
    users,
    add(token, identity, g = { '#': 3 }) {
      identities.set(token, { ...identity, token });
      grants.set(token, g);
    },
    remove(token) {
      identities.delete(token);
    },
    authenticate(token, systemKey) {
      if (!systems.has(systemKey)) throw new IsobarError('CB_ERR_SYSTEM_UNKNOWN', { systemKey });
      const identity = identities.get(token);
      if (identity === undefined || identity.systemKey !== systemKey)
        throw new IsobarError('CB_ERR_AUTH_INVALID_TOKEN');
      return identity;
    },
    duplicateClientId: (who) => policy.get(who.systemKey) ?? 'reject',
    canPublish: (identity, topic) => allowed(identity, (f) => topicMatches(f, topic), 2),
    canSubscribe: (identity, filter) => allowed(identity, (f) => filterCovers(f, filter), 1),
    login(systemKey, secret, clientId) {
      if (!systems.has(systemKey))
        return Promise.reject(new IsobarError('CB_ERR_SYSTEM_UNKNOWN', { systemKey }));
      if (secret !== undefined && secret !== SECRET_A)
        return Promise.reject(new IsobarError('CB_ERR_SYSTEM_BAD_SECRET', { systemKey }));
      const id = users.get(clientId);
      if (id === undefined) return Promise.reject(new IsobarError('CB_ERR_AUTH_BAD_CREDENTIALS'));
      return Promise.resolve({ token: `tok-${id}`, id });
    },
  };
}

export const DEFAULT_LIMITS: BrokerLimits = {
  maxPacketSize: 1024 * 1024,
  maxTopicLength: 1024,
  maxTopicLevels: 32,
  maxConnections: 1000,
  maxInflight: 1000,
  connectRate: 0,
};

export interface TestBroker {
  broker: Broker;
  ports: ListeningPorts;
  auth: FakeAuth;
  dataDir: string;
  log: ReturnType<typeof createMemoryLog>;
  close(): Promise<void>;
  /** Connects an mqtt.js client over TCP and waits for CONNACK. */
  connect(token: string, systemKey: string, opts?: IClientOptions): Promise<MqttClient>;
}

const clients = new Set<MqttClient>();

/** Starts a broker; `dataDir` reuses one (restart tests). */
export async function startBroker(
  options: {
    dataDir?: string;
    auth?: FakeAuth;
    limits?: Partial<BrokerLimits>;
    tcpOnly?: boolean;
    clock?: Clock;
  } = {},
): Promise<TestBroker> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'isobar-broker-'));
  const auth = options.auth ?? createFakeAuth();
  const log = createMemoryLog();
  const off = options.tcpOnly === true ? -1 : 0;
  const broker = await createBroker(
    {
      host: '127.0.0.1',
      ports: { tcp: 0, tls: off, ws: off, wss: off, auth: 0, authTls: off, authWs: off, authWss: off },
      tls: undefined,
      dataDir,
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      publicHost: 'mqtt.example.test',
    },
    { auth, log, clock: options.clock ?? systemClock },
  );
  const ports = await broker.listen();
  return {
    broker,
    ports,
    auth,
    dataDir,
    log,
    async close() {
      await broker.close();
    },
    async connect(token, systemKey, opts = {}) {
      const client = mqtt.connect(`mqtt://127.0.0.1:${String(ports.mqtt)}`, {
        username: token,
        password: systemKey,
        reconnectPeriod: 0,
        connectTimeout: 5000,
        ...opts,
      });
      clients.add(client);
      return connected(client);
    },
  };
}

/** Ends every client opened through `connect`; call in afterEach. */
export async function endClients(): Promise<void> {
  await Promise.all([...clients].map((c) => c.endAsync(true).catch(() => {})));
  clients.clear();
}

/** Removes a data dir. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Collects `count` messages from a client (bounded wait). */
export function collect(
  client: MqttClient,
  count: number,
  timeoutMs = 5000,
): Promise<Array<{ topic: string; payload: string; qos: number; retain: boolean }>> {
  const got: Array<{ topic: string; payload: string; qos: number; retain: boolean }> = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.removeListener('message', onMessage);
      reject(new Error(`timed out with ${String(got.length)}/${String(count)} messages`));
    }, timeoutMs);
    const onMessage = (topic: string, payload: Buffer, packet: { qos: number; retain: boolean }) => {
      got.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain });
      if (got.length >= count) {
        clearTimeout(timer);
        client.removeListener('message', onMessage);
        resolve(got);
      }
    };
    client.on('message', onMessage);
  });
}

/** Resolves with the client once it is connected; rejects with the error that refused it. */
export async function connected(client: MqttClient): Promise<MqttClient> {
  await Promise.race([
    clientEvent(client, 'connect'),
    clientEvent(client, 'error').then(([err]) => {
      throw err as Error;
    }),
  ]);
  return client;
}

/**
 * What `client` still got of a `sensors/1` publish by `witness`, proven by a `ping/1` marker behind it: the
 * check that a dropped sensors subscription no longer delivers (the client must still see `ping/#`).
 */
export function leakedAfterDrop(
  client: MqttClient,
  witness: MqttClient,
): Promise<Array<{ topic: string; payload: string }>> {
  return nothingBefore(
    client,
    async () => {
      await witness.publishAsync('sensors/1', 'after', { qos: 1 });
      await witness.publishAsync('ping/1', 'marker', { qos: 1 });
    },
    'ping/1',
  );
}

/** Proves a client received nothing: publishes a marker on a topic the client does see, waits for it. */
export async function nothingBefore(
  receiver: MqttClient,
  marker: () => Promise<void>,
  markerTopic: string,
): Promise<Array<{ topic: string; payload: string }>> {
  const got: Array<{ topic: string; payload: string }> = [];
  const onMessage = (topic: string, payload: Buffer) => got.push({ topic, payload: payload.toString() });
  receiver.on('message', onMessage);
  const seen = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('marker never arrived')), 5000);
    const check = (topic: string) => {
      if (topic === markerTopic) {
        clearTimeout(timer);
        receiver.removeListener('message', check);
        resolve();
      }
    };
    receiver.on('message', check);
  });
  await marker();
  await seen;
  receiver.removeListener('message', onMessage);
  return got.filter((m) => m.topic !== markerTopic);
}

/** SUBSCRIBE and answer the SUBACK return codes (mqtt.js rejects a SUBACK holding 0x80). */
export function subackCodes(
  client: MqttClient,
  topics: string | string[] | Record<string, { qos: 0 | 1 | 2 }>,
): Promise<number[]> {
  const codes = new Promise<number[]>((resolve) => {
    const onPacket = (packet: Packet) => {
      if (packet.cmd !== 'suback') return;
      client.removeListener('packetreceive', onPacket);
      resolve(packet.granted as number[]);
    };
    client.on('packetreceive', onPacket);
  });
  client.subscribe(topics as string, () => {});
  return codes;
}

/** Waits for one event of an mqtt.js client (bounded, through waitFor), answering its arguments. */
export function clientEvent(
  client: MqttClient,
  event: 'connect' | 'close' | 'error',
  timeoutMs = 5000,
): Promise<unknown[]> {
  return waitFor(client as unknown as NodeEmitter, event, undefined, {
    timeoutMs,
    what: `${event} of mqtt client ${client.options.clientId ?? ''}`,
  });
}
