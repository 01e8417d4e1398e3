// What every three-node test starts from, over the public surface only (REST + MQTT), as a ClearBlade
// client would: a developer logged in on one node, a system, MQTT clients on chosen nodes, and a message
// collector that waits on received messages (bounded), never on time.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { clearBladeHeaders, createRestClient, type RestClient } from '../../bin/cli/rest-client.js';
import { useFixture } from '../helpers/fixture.js';
import { ADMIN, startCluster, type ClusterNode, type ClusterOptions, type TestCluster } from './harness.js';
import { watchHeartbeats, type HeartbeatWatch } from './heartbeats.js';

/** A developer's REST client on `node` (logs in there: any node can answer any login). */
export async function devOn(node: ClusterNode): Promise<RestClient> {
  const login = await createRestClient(node.url).request<{ dev_token: string }>('POST', '/admin/auth', {
    body: { email: ADMIN.email, password: ADMIN.password },
  });
  return createRestClient(node.url, clearBladeHeaders.dev(login.dev_token));
}

/** The same developer's token on another node's URL (tokens are shared through PostgreSQL). */
export function sameDevOn(dev: RestClient, node: ClusterNode): RestClient {
  return createRestClient(node.url, dev.headers);
}

export interface TestSystem {
  readonly systemKey: string;
  readonly systemSecret: string;
  /** The developer token, which MQTT accepts as username (password = system key). */
  readonly devToken: string;
}

/** Creates a system through `dev` (duplicate client ids per `policy`). */
export async function createSystem(
  dev: RestClient,
  name: string,
  policy: 'reject' | 'takeover' = 'reject',
): Promise<TestSystem> {
  const system = await dev.request<{ appID: string; appSecret: string }>('POST', '/admin/systemmanagement', {
    body: { name, duplicate_client_id: policy },
  });
  return {
    systemKey: system.appID,
    systemSecret: system.appSecret,
    devToken: dev.headers['ClearBlade-DevToken'] ?? '',
  };
}

/** A suite's three nodes, the developer logged in on A, and the one system its tests work in. */
export interface ClusterWorld {
  readonly cluster: TestCluster;
  /** The nodes' heartbeats, to wait "within the bound"; closed before the cluster, so it never sees Redis go. */
  readonly heartbeats: HeartbeatWatch;
  readonly dev: RestClient;
  readonly system: TestSystem;
}

/**
 * Registers the suite hooks that start the cluster, watch its heartbeats, log the developer in on A and
 * create system `name` (duplicate client ids per `policy`), and close it all after the suite; answers the
 * live world.
 */
export function useClusterWorld(
  name: string,
  options: { readonly policy?: 'reject' | 'takeover'; readonly cluster?: ClusterOptions } = {},
): ClusterWorld {
  return useFixture(
    async () => {
      const cluster = await startCluster(options.cluster);
      let heartbeats: HeartbeatWatch | undefined;
      try {
        heartbeats = await watchHeartbeats(cluster.redis.url);
        const dev = await devOn(cluster.node('a'));
        return { cluster, heartbeats, dev, system: await createSystem(dev, name, options.policy) };
      } catch (err) {
        await heartbeats?.close();
        await cluster.close();
        throw err;
      }
    },
    async (world) => {
      await world.heartbeats.close();
      await world.cluster.close();
    },
  );
}

/** Options a test may set on an MQTT connection (never auto-reconnect: a test decides). */
export type ConnectOptions = Omit<IClientOptions, 'username' | 'password' | 'reconnectPeriod'>;

/**
 * An MQTT 3.1.1 client on `node`, authenticated with `token` for `system`; resolves after CONNACK 0.
 * Rejects on a refusal, on a close before any CONNACK (mqtt.js' connectAsync never settles then, which
 * would hang a `before` hook until mocha's timeout) or after `connectTimeout` without CONNACK.
 */
export function mqttOn(
  node: ClusterNode,
  system: TestSystem,
  clientId: string,
  options: ConnectOptions & {
    token?: string;
    /**
     * Called with the client before it connects: a resumed session's queued messages can arrive in the
     * same read as the CONNACK, before a listener added after the returned promise resolves.
     */
    created?: (client: MqttClient) => void;
  } = {},
): Promise<MqttClient> {
  const { token, created, ...rest } = options;
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(node.mqttUrl, {
      username: token ?? system.devToken,
      password: system.systemKey,
      clientId,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 30_000,
      ...rest,
    });
    created?.(client);
    const fail = (err: Error) => {
      client.removeListener('close', closed);
      client.end(true);
      reject(new Error(`${clientId} on node ${node.id}: ${err.message}`));
    };
    const closed = () => fail(new Error('connection closed before CONNACK'));
    client.once('error', fail);
    client.once('close', closed);
    client.once('connect', () => {
      client.removeListener('error', fail);
      client.removeListener('close', closed);
      // A node killed under the client resets its socket: that is a `close` the tests wait on, not a crash.
      client.on('error', () => undefined);
      resolve(client);
    });
  });
}

export interface Received {
  readonly topic: string;
  readonly payload: string;
  readonly qos: number;
  readonly retain: boolean;
}

export interface Collector {
  readonly messages: Received[];
  /** Resolves once `count` messages (matching `predicate`, if any) arrived; rejects after `timeoutMs`. */
  until(
    count: number,
    timeoutMs: number,
    what: string,
    predicate?: (m: Received) => boolean,
  ): Promise<Received[]>;
  stop(): void;
}

/** Records every message `client` receives from now on. */
export function collect(client: MqttClient): Collector {
  const messages: Received[] = [];
  const waiters = new Set<() => void>();
  const onMessage = (topic: string, payload: Buffer, packet: { qos: number; retain: boolean }) => {
    messages.push({ topic, payload: payload.toString('utf8'), qos: packet.qos, retain: packet.retain });
    for (const w of [...waiters]) w();
  };
  client.on('message', onMessage);
  return {
    messages,
    until(count, timeoutMs, what, predicate = () => true) {
      return new Promise((resolve, reject) => {
        const matching = () => messages.filter(predicate);
        const check = () => {
          if (matching().length < count) return;
          done();
          resolve(matching());
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${what}: ${matching().length}/${count} messages within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    stop: () => client.off('message', onMessage),
  };
}

/** Ends every client, ignoring ones already gone. */
export async function endAll(clients: Iterable<MqttClient | undefined>): Promise<void> {
  await Promise.all([...clients].map((c) => c?.endAsync(true).catch(() => undefined)));
}
