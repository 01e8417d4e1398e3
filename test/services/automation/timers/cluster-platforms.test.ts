// Triggers and timers on three whole platforms in one process, on one redis-server and one PostgreSQL
// (services/cluster, README "Timers in a cluster"): a trigger runs once per publish, on the node the
// publish entered, and a timer runs once per firing although all three nodes compute every firing. Both
// reach B and C through the change feed (automation.onChanged → feed → automation.reloadSystem).
import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
import type { TestPlatform } from '../../../helpers/platform.js';
import { clientEvent } from '../../../broker/helpers.js';
import { createPublishTrigger, reloadedOn, startClusterOf, type TestCluster } from '../../cluster/helpers.js';

const ADMIN = { email: 'admin@test.local', password: 'admin-pass-1' };
/** A micro service that only answers: its runs are counted in each node's live tail. */
const COUNT = 'function Count(req, resp) { resp.success("ok"); }';

describe('triggers and timers on three clustered platforms (Redis + PostgreSQL)', function () {
  this.timeout(60000);
  let cluster: TestCluster | undefined;
  let redisUrl: string;
  let nodes: readonly TestPlatform[];
  let systemKey: string;
  let devId: string;
  let devToken: string;
  /** Runs of Count per node and source, from each node's live tail. */
  const runs = new Map<string, number>();
  const offs: Array<() => void> = [];
  const clients: MqttClient[] = [];
  let counted: (() => void) | undefined;

  const total = (source: string) =>
    [...runs].filter(([k]) => k.endsWith(` ${source}`)).reduce((sum, [, n]) => sum + n, 0);
  const on = (node: string, source: string) => runs.get(`${node} ${source}`) ?? 0;
  /** Resolves once `n` runs of `source` ended cluster-wide (checked on every run). */
  const runsReach = (source: string, n: number, ms = 10000): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${String(total(source))} of ${String(n)} ${source} runs`)),
        ms,
      );
      const check = () => {
        if (total(source) < n) return;
        clearTimeout(timer);
        counted = undefined;
        resolve();
      };
      counted = check;
      check();
    });

  before(async () => {
    // One first start creates the developer and the system; the others then start on that database.
    cluster = await startClusterOf(3);
    redisUrl = cluster.redis.url;
    ({ nodes } = cluster);
    const [a, b, c] = nodes;
    const dev = await a.platform.identity.developerByEmail(ADMIN.email);
    devId = dev?.id ?? '';
    systemKey = a.platform.identity.systemsOf(devId)[0]?.systemKey ?? '';
    devToken = (await a.platform.identity.loginDeveloper(ADMIN.email, ADMIN.password)).token;
    // The service, saved on A, reaches B and C through the change feed.
    const fed = [reloadedOn(b, systemKey), reloadedOn(c, systemKey)];
    await a.platform.code.registry.create(systemKey, 'Count', { code: COUNT, execution_timeout: 10 });
    await Promise.all(fed);
    for (const tp of nodes) {
      const id = tp.config.cluster.nodeId;
      offs.push(
        tp.platform.code.tail.watch(systemKey, 'Count', (e) => {
          runs.set(`${id} ${e.source}`, on(id, e.source) + 1);
          counted?.();
        }),
      );
    }
  });
  after(async () => {
    for (const off of offs) off();
    await Promise.all(clients.map((cl) => cl.endAsync(true)));
    await cluster?.close();
  });

  const connect = async (tp: TestPlatform, clientId: string): Promise<MqttClient> => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${String(tp.ports.mqtt)}`, {
      username: devToken,
      password: systemKey,
      clientId,
      reconnectPeriod: 0,
    });
    clients.push(client);
    await clientEvent(client, 'connect');
    return client;
  };
  /** Resolves once every node but `from` has reloaded the system through the change feed. */
  const fedFrom = (from: TestPlatform) =>
    Promise.all(nodes.filter((n) => n !== from).map((n) => reloadedOn(n, systemKey)));

  it('runs a trigger once per publish, on the node the publish entered, with three nodes up', async () => {
    const [a, b, c] = nodes;
    const fed = fedFrom(a);
    await createPublishTrigger(a, systemKey, { name: 'onT', topic: 't/#', service: 'Count' }, devId);
    await fed;
    for (const tp of nodes) expect(tp.platform.automation.triggers.list(systemKey)).to.have.length(1);
    // Subscribers on B and C: once they hold every message, those brokers have handled each publish.
    const watchers = await Promise.all([connect(b, 'watch-b'), connect(c, 'watch-c')]);
    const seen = watchers.map(
      (w) =>
        new Promise<void>((resolve) => {
          let n = 0;
          w.on('message', () => {
            if (++n === 20) resolve();
          });
        }),
    );
    await Promise.all(watchers.map((w) => w.subscribeAsync('t/#', { qos: 1 })));
    const pubA = await connect(a, 'pub-a');
    const pubB = await connect(b, 'pub-b');
    const done = runsReach('trigger', 20);
    for (let i = 0; i < 10; i++) await pubA.publishAsync(`t/a/${String(i)}`, 'x', { qos: 1 });
    for (let i = 0; i < 10; i++) await pubB.publishAsync(`t/b/${String(i)}`, 'x', { qos: 1 });
    await Promise.all([done, ...seen]);
    await Promise.all(nodes.map((tp) => tp.platform.automation.dispatcher.idle()));
    expect([on('a', 'trigger'), on('b', 'trigger'), on('c', 'trigger')]).to.deep.equal([10, 10, 0]);
    expect(nodes.map((tp) => tp.platform.automation.dispatcher.stats().completed)).to.deep.equal([10, 10, 0]);
  });

  it('runs a timer once per firing although every node computes every firing', async () => {
    const [a] = nodes;
    const done = runsReach('timer', 4);
    const fed = fedFrom(a);
    await a.platform.automation.timers.create(
      systemKey,
      'tick',
      { start_time: 'Now', repeats: 3, frequency: 1, service_name: 'Count' },
      { kind: 'developer', id: devId },
    );
    await fed;
    await done;
    const keys = await redisKeys(redisUrl, 'isobar:once:timer:*');
    // One `once` key per firing, each held by the node that ran it.
    expect(keys, 'one key per firing').to.have.length(4);
    await Promise.all(nodes.map((tp) => tp.platform.automation.dispatcher.idle()));
    expect(total('timer')).to.equal(4);
  });
});

/** The keys matching `pattern` on the test's redis-server. */
async function redisKeys(url: string, pattern: string): Promise<string[]> {
  const { Redis } = await import('ioredis');
  const r = new Redis(url);
  try {
    return await r.keys(pattern);
  } finally {
    r.disconnect();
  }
}
