// Edge relay benchmark: what the relay costs. Two real brokers (a platform and an edge) in one
// process, each with an MQTT client on a socket:
//   baseline  a client publishes N QoS 1 messages on the platform; a platform subscriber receives them
//   relay     a client publishes the same N messages as `<t>/_platform` on the edge; they go through the
//             edge's on-disk outbox and uplink to the platform, whose subscriber receives them
// Both measured in the same run; prints messages per second and relay/baseline.
// Run: npm run bench -- edges   or   node --no-node-snapshot --import tsx bench/edges.ts [N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import { createBroker } from '../broker/index.js';
import type { Broker, BrokerAuth } from '../broker/types.js';
import { IsobarError } from '../runtime-api/errors/index.js';
import { systemClock } from '../services/kernel/clock.js';
import { withEdgeAuth } from '../services/edges/broker-auth.js';
import { createDownlink } from '../services/edges/downlink.js';
import { createEdgeLink } from '../services/edges/edge-link.js';
import { createSyncNotifier } from '../services/edges/notifications.js';
import { loadEdgeRegistry } from '../services/edges/registry.js';
import { createMemoryLog } from '../services/kernel/log.js';
import { createStore } from '../services/store/index.js';

const SK = 'abcdef0123456789abcdef01234567';
const N = Number(process.argv[2] ?? 20000);

/** Everyone is a developer of SK: the bench measures the relay, not the ACL. */
const openAuth: BrokerAuth = {
  authenticate: (token, systemKey) => ({ kind: 'developer', id: token, name: token, systemKey }),
  duplicateClientId: () => 'takeover',
  canPublish: () => true,
  canSubscribe: () => true,
  login: () => Promise.reject(new IsobarError('CB_ERR_AUTH_BAD_CREDENTIALS')),
};

async function broker(dataDir: string, auth: BrokerAuth): Promise<{ broker: Broker; port: number }> {
  const b = await createBroker(
    {
      host: '127.0.0.1',
      ports: { tcp: 0, tls: -1, ws: -1, wss: -1, auth: -1, authTls: -1, authWs: -1, authWss: -1 },
      tls: undefined,
      dataDir,
      limits: {
        maxPacketSize: 1 << 20,
        maxTopicLength: 1024,
        maxTopicLevels: 32,
        maxConnections: 1000,
        maxInflight: 1000,
        connectRate: 0,
      },
      publicHost: '127.0.0.1',
    },
    { auth, log: createMemoryLog(), clock: systemClock },
  );
  const ports = await b.listen();
  return { broker: b, port: ports.mqtt ?? 0 };
}

const connect = (port: number, id: string): Promise<MqttClient> =>
  mqtt.connectAsync(`mqtt://127.0.0.1:${String(port)}`, {
    clientId: id,
    username: id,
    password: SK,
    reconnectPeriod: 0,
  });

/** Publishes N messages on `pub` and resolves with msgs/s once `sub` has all of them. */
async function run(pub: MqttClient, sub: MqttClient, topic: string): Promise<number> {
  await sub.subscribeAsync(topic, { qos: 1 });
  let got = 0;
  const start = performance.now();
  const done = new Promise<void>((resolve) => {
    sub.on('message', (t) => {
      if (t === topic && ++got === N) resolve();
    });
  });
  for (let i = 0; i < N; i++) pub.publish(topic, `m${String(i)}`, { qos: 1 });
  await done;
  sub.removeAllListeners('message');
  return N / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'isobar-bench-edges-')));
  const log = createMemoryLog();
  const platformStore = await createStore({ dataDir: dirs[0] });
  const edgeStore = await createStore({ dataDir: dirs[1] });
  const registry = await loadEdgeRegistry({ store: platformStore, clock: systemClock });
  const { token } = await registry.create(SK, 'bench');
  const platform = await broker(join(dirs[0], 'mqtt-data'), withEdgeAuth(openAuth, registry));
  const edge = await broker(join(dirs[1], 'mqtt-data'), openAuth);
  const downlink = createDownlink({
    broker: platform.broker,
    registry,
    notifier: createSyncNotifier((sk, t, p) => platform.broker.publish(sk, t, p)),
    log,
  });
  downlink.start();
  const link = createEdgeLink(
    { url: `mqtt://127.0.0.1:${String(platform.port)}`, systemKey: SK, edgeName: 'bench', token },
    { broker: edge.broker, store: edgeStore, clock: systemClock, log },
  );
  link.start();
  while (!link.uplink.connected) await new Promise((r) => setTimeout(r, 10));

  const pSub = await connect(platform.port, 'p-sub');
  const pPub = await connect(platform.port, 'p-pub');
  const ePub = await connect(edge.port, 'e-pub');
  const baseline = await run(pPub, pSub, 'bench/direct');
  const relay = await run(ePub, pSub, 'bench/relay/_platform');
  console.log(`edges relay, ${String(N)} QoS 1 messages of ~6 bytes`);
  console.log(`  baseline  platform → platform        ${baseline.toFixed(0).padStart(8)} msg/s`);
  console.log(`  relay     edge → outbox → platform   ${relay.toFixed(0).padStart(8)} msg/s`);
  console.log(`  ratio     relay / baseline           ${(relay / baseline).toFixed(2)}`);

  for (const c of [pSub, pPub, ePub]) await c.endAsync();
  await link.close();
  await downlink.close();
  await edge.broker.close();
  await platform.broker.close();
  await edgeStore.close();
  await platformStore.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

await main();
