// Brokers of one cluster in one process: each a createBroker with `cluster` set, all on one redis-server
// (test/helpers/servers.ts), sharing one in-memory BrokerAuth; real mqtt clients on their TCP ports.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { createBroker } from '../../broker/index.js';
import type { Broker } from '../../broker/types.js';
import { createMemoryLog } from '../../services/kernel/log.js';
import { systemClock } from '../../services/kernel/clock.js';
import { DEFAULT_LIMITS, removeDir, type FakeAuth } from './helpers.js';

export const DEV_TOKEN = 'dev-token';

/** One node of the test cluster. */
export interface ClusterBroker {
  readonly broker: Broker;
  readonly nodeId: string;
  readonly port: number;
  readonly log: ReturnType<typeof createMemoryLog>;
  /** Connects a client (developer token of SYS_A unless told) and waits for CONNACK 0. */
  connect(opts?: IClientOptions & { token?: string; systemKey?: string }): Promise<MqttClient>;
  /** A client that is not awaited: for races. */
  client(opts?: IClientOptions & { token?: string; systemKey?: string }): MqttClient;
  close(): Promise<void>;
}

const open = new Set<MqttClient>();

/** Starts one cluster node on `redisUrl`. */
export async function startClusterBroker(
  redisUrl: string,
  nodeId: string,
  auth: FakeAuth,
  options: { readonly heartbeatS?: number; readonly systemKey: string },
): Promise<ClusterBroker> {
  const dataDir = mkdtempSync(join(tmpdir(), 'isobar-cluster-broker-'));
  const log = createMemoryLog();
  const broker = await createBroker(
    {
      host: '127.0.0.1',
      ports: { tcp: 0, tls: -1, ws: -1, wss: -1, auth: -1, authTls: -1, authWs: -1, authWss: -1 },
      tls: undefined,
      dataDir,
      limits: DEFAULT_LIMITS,
      publicHost: 'mqtt.example.test',
      cluster: { redisUrl, nodeId, heartbeatS: options.heartbeatS ?? 2 },
    },
    { auth, log, clock: systemClock },
  );
  const ports = await broker.listen();
  const port = ports.mqtt ?? 0;
  const client = (opts: IClientOptions & { token?: string; systemKey?: string } = {}) => {
    const { token, systemKey, ...rest } = opts;
    const c = mqtt.connect(`mqtt://127.0.0.1:${String(port)}`, {
      username: token ?? DEV_TOKEN,
      password: systemKey ?? options.systemKey,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...rest,
    });
    c.on('error', () => {}); // asserted through `outcome`
    open.add(c);
    return c;
  };
  return {
    broker,
    nodeId,
    port,
    log,
    client,
    async connect(opts = {}) {
      const c = client(opts);
      const result = await outcome(c);
      if (result !== 0) throw new Error(`CONNACK ${String(result)}`);
      return c;
    },
    async close() {
      await broker.close();
      removeDir(dataDir);
    },
  };
}

/** CONNACK return code of a client's connect (0 = connected), or -1 when closed without one. */
export function outcome(client: MqttClient): Promise<number> {
  return new Promise((resolve) => {
    const done = (code: number) => {
      client.removeListener('connect', onConnect);
      client.removeListener('error', onError);
      client.removeListener('close', onClose);
      resolve(code);
    };
    const onConnect = () => done(0);
    const onError = (err: Error & { code?: number }) => done(typeof err.code === 'number' ? err.code : -1);
    const onClose = () => done(-1);
    client.once('connect', onConnect);
    client.once('error', onError);
    client.once('close', onClose);
  });
}

/** Ends every client the helpers opened. */
export async function endClusterClients(): Promise<void> {
  await Promise.all([...open].map((c) => c.endAsync(true).catch(() => {})));
  open.clear();
}
