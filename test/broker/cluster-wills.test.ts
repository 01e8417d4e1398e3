// Wills of a dead cluster node (issue 16). A node killed with SIGKILL stops heartbeating; aedes on the
// surviving nodes publishes the wills it left once its last heartbeat is older than 3 heartbeats, sweeping
// every 4: within 7 heartbeats of the death (cluster-wills.ts derives the bound). With heartbeatS 1 the
// will must arrive within 7 s (+ the slack of one sweep's Redis round trips). And a will is claimed on
// Redis before it is published, so two nodes sweeping at once publish it once.
import { expect } from 'chai';
import mqtt from 'mqtt';
import type { AedesPublishPacket } from 'aedes';
import { claimWills } from '../../broker/cluster-wills.js';
import { openRedisPair } from '../../broker/cluster-redis.js';
import type { AsyncPersistence } from '../../broker/internal.js';
import { silentLog } from '../../runtime-api/log.js';
import { systemClock } from '../../services/kernel/clock.js';
import { collect, connected, SYS_A } from './helpers.js';
import { DEV_TOKEN } from './cluster-helpers.js';
import { useBrokerCluster } from './cluster-fixture.js';
import { startFixtureProcess } from './fixture-process.js';

const HEARTBEAT_S = 1;
/** 7 heartbeats (the bound) plus one second for the sweep's own Redis round trips on a loaded machine. */
const WILL_BOUND_MS = 7 * HEARTBEAT_S * 1000 + 1000;

describe('broker cluster: wills of a dead node', function () {
  this.timeout(60_000);
  const cluster = useBrokerCluster({ b: 'node-b', c: 'node-c' }, { heartbeatS: HEARTBEAT_S });

  it('a client on a killed node has its will published on another node within 7 heartbeats', async () => {
    const dying = await startFixtureProcess('cluster-node-process', [
      cluster.redis.url,
      'node-dying',
      String(HEARTBEAT_S),
    ]);
    const sub = await cluster.b.connect({ clientId: 'will-watcher' });
    await sub.subscribeAsync('status/#', { qos: 1 });
    const doomed = mqtt.connect(`mqtt://127.0.0.1:${String(dying.port)}`, {
      username: DEV_TOKEN,
      password: SYS_A,
      clientId: 'doomed-1',
      reconnectPeriod: 0,
      will: { topic: 'status/doomed-1', payload: Buffer.from('offline'), qos: 1, retain: false },
    });
    doomed.on('error', () => {});
    await connected(doomed);
    const got = collect(sub, 1, WILL_BOUND_MS);
    await dying.crash();
    await doomed.endAsync(true);
    expect(await got).to.deep.equal([
      { topic: 'status/doomed-1', payload: 'offline', qos: 1, retain: false },
    ]);
  });

  it('of two nodes sweeping the same wills at once, each will is yielded to one of them', async () => {
    const wills = Array.from({ length: 20 }, (_, i) => ({
      cmd: 'publish',
      topic: `status/${String(i)}`,
      payload: Buffer.from('offline'),
      qos: 0,
      retain: false,
      clientId: `client-${String(i)}`,
      brokerId: 'node-gone',
    })) as unknown as Array<AedesPublishPacket & { clientId: string }>;
    const fake = (): AsyncPersistence =>
      ({
        async *streamWill() {
          for (const will of wills) yield await Promise.resolve(will);
        },
      }) as unknown as AsyncPersistence;
    const deps = { log: silentLog, clock: systemClock };
    const pairs = await Promise.all([
      openRedisPair(cluster.redis.url, 'x', deps),
      openRedisPair(cluster.redis.url, 'y', deps),
    ]);
    try {
      const [one, two] = [fake(), fake()];
      claimWills(one, pairs[0], { nodeId: 'x', heartbeatS: HEARTBEAT_S });
      claimWills(two, pairs[1], { nodeId: 'y', heartbeatS: HEARTBEAT_S });
      const drain = async (p: AsyncPersistence) => {
        const seen: string[] = [];
        for await (const will of p.streamWill()) seen.push(will.clientId);
        return seen;
      };
      const [x, y] = await Promise.all([drain(one), drain(two)]);
      expect([...x, ...y].sort()).to.deep.equal(wills.map((w) => w.clientId).sort());
    } finally {
      await Promise.all(pairs.map((p) => p.close()));
    }
  });
});
