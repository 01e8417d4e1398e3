// A cluster node whose redis-server goes away (issue 16): it keeps running — no ioredis error left
// unhandled on a connection or a stream, not even once commands queued during the outage give up
// (ioredis' MaxRetriesPerRequestError, ~10 s with its defaults) — answers /healthz 503 meanwhile, and
// still closes within a bound although a client holding unacknowledged QoS 1 messages left during the
// outage. The whole platform runs in this process: an unhandled error or rejection fails the test.
import { expect } from 'chai';
import { Redis } from 'ioredis';
import mqtt, { type MqttClient } from 'mqtt';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { startPostgres, startRedis, type TestPostgres, type TestRedis } from '../helpers/servers.js';
import { connectPacket, rawConnect, type RawClient } from './raw.js';

/** How long the node may take to close with Redis gone (its connections are ended, not waited on). */
const CLOSE_BOUND_MS = 10_000;
/**
 * Retries the probe connection's command waits for: more than the node's connections allow theirs
 * (ioredis' default of 20), so when the probe gives up, every command the node queued when Redis went
 * away has given up too — and each was rejected with MaxRetriesPerRequestError on the node.
 */
const PROBE_RETRIES = 24;

/** Resolves when `promise` settles; rejects with `what` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${String(ms)} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe('broker cluster: the node survives its Redis going away', function () {
  this.timeout(120_000);
  let redis: TestRedis;
  let pg: TestPostgres;
  let node: TestPlatform | undefined;
  let probe: Redis | undefined;
  const clients: MqttClient[] = [];
  const raws: RawClient[] = [];
  // mocha swallows unhandled rejections (it re-emits them on `process`); a node process dies of them
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
    node = await startTestPlatform({
      overrides: {
        'cluster.enabled': true,
        'cluster.redisUrl': redis.url,
        'store.databaseUrl': await pg.createDatabase(),
        'cluster.nodeId': 'outage',
        'cluster.heartbeatS': 1,
      },
    });
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    for (const raw of raws) raw.end();
    probe?.disconnect();
    await node?.close({ removeData: true });
    await Promise.all([pg?.stop(), redis?.process.exitCode === null ? redis.stop() : undefined]);
  });

  it('answers /healthz 503 while Redis is down, stays up past the retry limit, and closes within the bound', async () => {
    const tp = node;
    if (tp === undefined) throw new Error('no node');
    const login = await fetch(`${tp.url}/admin/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@test.local', password: 'admin-pass-1' }),
    });
    const devToken = ((await login.json()) as { dev_token: string }).dev_token;
    const dev = await tp.platform.identity.developerByEmail('admin@test.local');
    const systemKey = tp.platform.identity.systemsOf(dev?.id ?? '')[0]?.systemKey ?? '';
    const url = `mqtt://127.0.0.1:${String(tp.ports.mqtt)}`;
    const options = {
      username: devToken,
      password: systemKey,
      reconnectPeriod: 0,
      protocolVersion: 4 as const,
    };

    // Subscribers on raw sockets that never acknowledge: their QoS 1 messages stay in flight. One has a
    // persistent session (its in-flight messages are kept in Redis), one a clean one (cleared on close).
    const keepers: RawClient[] = [];
    for (const clean of [false, true]) {
      const keeper = await rawConnect(tp.ports.mqtt ?? 0);
      raws.push(keeper);
      keepers.push(keeper);
      keeper.send(connectPacket({ token: devToken, systemKey, clientId: `keeper-${String(clean)}`, clean }));
      const step = (what: string) => (err: unknown) => {
        throw new Error(`keeper-${String(clean)}: no ${what} (${String(err)})`);
      };
      expect((await keeper.next(10_000).catch(step('CONNACK'))).cmd).to.equal('connack');
      keeper.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'jobs/#', qos: 1 }] });
      expect((await keeper.next(10_000).catch(step('SUBACK'))).cmd).to.equal('suback');
    }
    const pub = await mqtt.connectAsync(url, { ...options, clientId: 'pub' });
    pub.on('error', () => undefined);
    clients.push(pub);
    await pub.publishAsync('jobs/1', 'one', { qos: 1 });
    await pub.publishAsync('jobs/2', 'two', { qos: 1 });
    for (const [i, keeper] of keepers.entries()) {
      const packet = await keeper.next(20_000).catch((err: unknown) => {
        throw new Error(`keeper ${String(i)}: no QoS 1 message held (${String(err)})`);
      });
      expect(packet.cmd === 'publish' && packet.qos === 1 && packet.payload.toString()).to.equal('one');
    }

    const up = await fetch(`${tp.url}/healthz`);
    expect(up.status).to.equal(200);

    // The probe is connected before Redis goes, so it starts retrying when the node's connections do.
    probe = new Redis(redis.url, { maxRetriesPerRequest: PROBE_RETRIES, lazyConnect: true });
    probe.on('error', () => undefined);
    await probe.connect();
    const probeDown = new Promise<void>((resolve) => probe?.once('close', () => resolve()));
    await redis.stop();
    await within(probeDown, 10_000, 'the probe sees Redis go');

    const down = await fetch(`${tp.url}/healthz`);
    expect(down.status).to.equal(503);
    expect(((await down.json()) as Record<string, unknown>).redis).to.equal('down');

    // The clients holding unacknowledged messages leave during the outage.
    for (const keeper of keepers) {
      keeper.end();
      await keeper.closed(10_000);
    }

    // Past the node's retry limit: the probe's command gives up after more retries than the node's.
    const given = await probe.get('isobar:probe').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(given).to.be.instanceOf(Error);
    expect((given as Error).name).to.equal('MaxRetriesPerRequestError');

    const still = await fetch(`${tp.url}/healthz`);
    expect(still.status, '/healthz after the retry limit').to.equal(503);

    expect(unhandled.map(String), 'errors nobody handled (each would end a node process)').to.deep.equal([]);
    node = undefined;
    await within(tp.close({ removeData: true }), CLOSE_BOUND_MS, 'close with Redis down');
  });
});
