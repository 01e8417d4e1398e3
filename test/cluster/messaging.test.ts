// Three nodes as one broker (README "Running a cluster"; docs/cluster.md): a publish on one node reaches
// subscribers on every node at each QoS, and retained messages are shared and racing duplicate client ids on two nodes follow the system's policy every
// time.
import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
import { openClients } from '../helpers/clients.js';
import type { ClusterNode, TestCluster } from './harness.js';
import { collect, createSystem, endAll, mqttOn, useClusterWorld, type TestSystem } from './world.js';

const WAIT_MS = 20_000;
/** Bound on one race round's waits (a broken policy must not cost 100 long waits). */
const RACE_WAIT_MS = 5_000;

describe('cluster: one broker over three nodes (README "Running a cluster")', function () {
  this.timeout(240_000);
  const w = useClusterWorld('cluster messaging', { policy: 'reject' });
  /** A second system, for the `takeover` policy. */
  let takeover: TestSystem;
  before(async () => {
    takeover = await createSystem(w.dev, 'cluster takeover', 'takeover');
  });
  const clients = openClients();

  for (const qos of [0, 1, 2] as const) {
    it(`a QoS ${qos} publish on A reaches subscribers on A, B and C, each message exactly once`, async () => {
      const topic = `fan/q${qos}`;
      const n = 50;
      const subs = await Promise.all(
        (['a', 'b', 'c'] as const).map((id) => mqttOn(w.cluster.node(id), w.system, `sub-${qos}-${id}`)),
      );
      clients.push(...subs);
      const received = subs.map((s) => collect(s));
      await Promise.all(subs.map((s) => s.subscribeAsync(topic, { qos })));
      const pub = await mqttOn(w.cluster.node('a'), w.system, `pub-${qos}`);
      clients.push(pub);
      for (let i = 0; i < n; i++) await pub.publishAsync(topic, String(i), { qos });
      // The end marker follows the n messages on one publisher's ordered stream: once it is in, a duplicate
      // of any earlier message would have been delivered before it.
      await pub.publishAsync(topic, 'end', { qos });
      const ended = (m: { payload: string }) => m.payload === 'end';
      await Promise.all(received.map((r, i) => r.until(1, WAIT_MS, `end marker on node ${'abc'[i]}`, ended)));
      for (const [i, r] of received.entries()) {
        const payloads = r.messages.filter((m) => m.topic === topic && !ended(m)).map((m) => m.payload);
        const node = 'abc'[i];
        expect(new Set(payloads).size, `distinct QoS ${qos} messages on node ${node}`).to.equal(n);
        if (qos === 2) expect(payloads, `QoS 2 duplicates on node ${node}`).to.have.length(n);
      }
    });
  }

  it('a retained message set on A is seen from C; cleared on B, a subscriber on A gets none', async () => {
    const pub = await mqttOn(w.cluster.node('a'), w.system, 'retainer');
    clients.push(pub);
    await pub.publishAsync('ret/value', 'kept', { qos: 1, retain: true });
    await pub.publishAsync('ret/marker', 'marker', { qos: 1, retain: true });
    const onC = await mqttOn(w.cluster.node('c'), w.system, 'ret-reader-c');
    clients.push(onC);
    const seenOnC = collect(onC);
    await onC.subscribeAsync('ret/#', { qos: 1 });
    const got = await seenOnC.until(2, WAIT_MS, 'retained messages on C');
    expect(got.map((m) => [m.topic, m.payload, m.retain]).sort()).to.deep.equal([
      ['ret/marker', 'marker', true],
      ['ret/value', 'kept', true],
    ]);

    const onB = await mqttOn(w.cluster.node('b'), w.system, 'ret-clearer-b');
    clients.push(onB);
    await onB.publishAsync('ret/value', '', { qos: 1, retain: true });
    const onA = await mqttOn(w.cluster.node('a'), w.system, 'ret-reader-a');
    clients.push(onA);
    const seenOnA = collect(onA);
    await onA.subscribeAsync('ret/#', { qos: 1 });
    // Retained messages are sent together after SUBACK: once the marker is in, a stale one would be too.
    await seenOnA.until(1, WAIT_MS, 'retained marker on A', (m) => m.topic === 'ret/marker');
    expect(seenOnA.messages.filter((m) => m.topic === 'ret/value')).to.deep.equal([]);
  });

  it('racing duplicate client ids on A and B under `reject`: exactly one CONNACK 0, the other CONNACK 2, 100/100', async () => {
    const outcomes = await rounds(async (i) => {
      const id = `dup-reject-${i}`;
      const attempts = await raceOnAAndB(w.cluster, w.system, id);
      await endAll(attempts.map((a) => (a.status === 'fulfilled' ? a.value : undefined)));
      return attempts
        .map((a) => (a.status === 'fulfilled' ? 'CONNACK 0' : refusal(a.reason)))
        .sort()
        .join(' + ');
    });
    const wrong = outcomes.filter((o) => o.outcome !== 'CONNACK 0 + CONNACK 2');
    expect(wrong, 'rounds whose two CONNECTs did not end in one CONNACK 0 and one CONNACK 2').to.deep.equal(
      [],
    );
  });

  it('racing duplicate client ids on A and B under `takeover`: exactly one session survives, 100/100', async () => {
    const outcomes = await rounds(async (i) => {
      const id = `dup-takeover-${i}`;
      const attempts = await raceOnAAndB(w.cluster, takeover, id);
      const connected = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
      const refused = attempts.flatMap((a) => (a.status === 'rejected' ? [refusal(a.reason)] : []));
      // When both were admitted, the earlier one must be closed by the later one's arrival: wait for that
      // close (bounded), then let the survivor prove it is alive with a round trip through the cluster.
      if (connected.length === 2) await firstClose(connected, RACE_WAIT_MS);
      const alive = connected.filter((c) => c.connected);
      if (alive.length === 1) {
        const echo = collect(alive[0]);
        await alive[0].subscribeAsync(`echo/${id}`, { qos: 1 });
        await alive[0].publishAsync(`echo/${id}`, 'ping', { qos: 1 });
        await echo.until(1, RACE_WAIT_MS, `echo on the survivor of ${id}`).catch(() => undefined);
      }
      const survivors = connected.filter((c) => c.connected).length;
      await endAll(connected);
      return `${connected.length} admitted, ${survivors} alive${refused.length > 0 ? `, refused: ${refused.join(', ')}` : ''}`;
    });
    const wrong = outcomes.filter((o) => !/ 1 alive/.test(o.outcome));
    expect(wrong, 'rounds without exactly one surviving session').to.deep.equal([]);
  });
});

/**
 * Connects for a race: resolves on CONNACK 0, rejects on a refusal, on a close before any CONNACK (mqtt.js'
 * connectAsync never settles then) or after 10 s without CONNACK — a round never hangs.
 */
function race(node: ClusterNode, system: TestSystem, clientId: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(node.mqttUrl, {
      username: system.devToken,
      password: system.systemKey,
      clientId,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
    });
    const fail = (err: Error) => {
      client.end(true);
      reject(err);
    };
    client.once('connect', () => {
      client.removeListener('close', closed);
      client.on('error', () => undefined);
      resolve(client);
    });
    client.once('error', fail);
    const closed = () => fail(new Error('closed before CONNACK'));
    client.once('close', closed);
  });
}

/** Two CONNECTs with one client id at once, one on A and one on B; answers how each settled. */
function raceOnAAndB(
  cluster: TestCluster,
  system: TestSystem,
  clientId: string,
): Promise<Array<PromiseSettledResult<MqttClient>>> {
  return Promise.allSettled([
    race(cluster.node('a'), system, clientId),
    race(cluster.node('b'), system, clientId),
  ]);
}

/** What refused a CONNECT: its CONNACK code, or the error. */
function refusal(reason: unknown): string {
  const code = (reason as { code?: unknown }).code;
  return typeof code === 'number' ? `CONNACK ${code}` : String((reason as Error).message ?? reason);
}

/** Resolves when the first of `clients` closes, or after `ms`. */
async function firstClose(clients: readonly MqttClient[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    ...clients.map(
      (c) => new Promise((resolve) => (c.connected ? c.once('close', () => resolve(c)) : resolve(c))),
    ),
    new Promise((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
}

/** Runs 100 rounds, 10 at a time (distinct client ids), and answers each round's outcome. */
async function rounds(
  round: (i: number) => Promise<string>,
): Promise<Array<{ round: number; outcome: string }>> {
  const out: Array<{ round: number; outcome: string }> = [];
  for (let start = 0; start < 100; start += 10) {
    const batch = await Promise.all(
      Array.from({ length: 10 }, (_, k) =>
        round(start + k).then((outcome) => ({ round: start + k, outcome })),
      ),
    );
    out.push(...batch);
  }
  expect(out, 'rounds run').to.have.length(100);
  return out;
}
