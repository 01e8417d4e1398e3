// Once per event, cluster-wide (docs/cluster.md "Who owns what"): with three nodes up, a Messaging::Publish
// trigger runs its service once per publish whichever node the publish entered, and a timer fires once per
// firing. Runs are counted through what the services publish (each carries what it ran for).
import { expect } from 'chai';
import { openClients } from '../helpers/clients.js';
import type { NodeId } from './harness.js';
import { collect, mqttOn, sameDevOn, useClusterWorld } from './world.js';

const WAIT_MS = 30_000;

/** Publishes what it ran for: the trigger's message body. */
const ON_PUBLISH = `function onPublish(req, resp) {
  ClearBlade.Messaging().publish('runs/trigger', req.params.body);
  resp.success('');
}`;

/** A timer's service gets `{}`: it publishes one message per run (the `$timer/<name>` event numbers them). */
const ON_TICK = `function onTick(req, resp) {
  ClearBlade.Messaging().publish('runs/timer', 'tick');
  resp.success('');
}`;

describe('cluster: triggers and timers run once per event with three nodes up', function () {
  this.timeout(240_000);
  const w = useClusterWorld('cluster automation');
  const clients = openClients();

  it('a trigger runs once per publish, for publishes entering on A, B and C', async () => {
    const sk = w.system.systemKey;
    await w.dev.request('POST', `/admin/code/v/1/${sk}/onPublish`, {
      body: { code: ON_PUBLISH, parameters: [] },
    });
    // Created on B: every node must know it (the change feed), and only the entry node may run it.
    await sameDevOn(w.dev, w.cluster.node('b')).request(
      'POST',
      `/admin/triggers/handlers/${sk}/onPublishTrigger`,
      {
        body: {
          def_module: 'Messaging',
          def_name: 'Publish',
          key_value_pairs: { topic: 'tin/+' },
          service_name: 'onPublish',
        },
      },
    );
    const watcher = await mqttOn(w.cluster.node('c'), w.system, 'runs-watcher');
    clients.push(watcher);
    const runs = collect(watcher);
    await watcher.subscribeAsync('runs/trigger', { qos: 1 });
    const pubs = await Promise.all(
      (['a', 'b', 'c'] as const).map((id: NodeId) => mqttOn(w.cluster.node(id), w.system, `tpub-${id}`)),
    );
    clients.push(...pubs);
    // Within the change-feed bound every node knows the trigger: two heartbeats of each after the create.
    await w.heartbeats.after(['a', 'b', 'c'], 2, WAIT_MS);
    const n = 30;
    for (let i = 0; i < n; i++) await pubs[i % 3].publishAsync(`tin/${i % 3}`, `m${i}`, { qos: 1 });
    await runs.until(n, WAIT_MS, 'trigger runs', (m) => m.payload.startsWith('m'));
    // One more, after all: a doubled run of any earlier publish would run no later than this one's.
    await pubs[0].publishAsync('tin/0', 'last', { qos: 1 });
    await runs.until(1, WAIT_MS, 'the run for the last publish', (m) => m.payload === 'last');
    const counts = new Map<string, number>();
    for (const m of runs.messages) counts.set(m.payload, (counts.get(m.payload) ?? 0) + 1);
    const doubled = [...counts].filter(([, c]) => c !== 1);
    expect(doubled, 'publishes whose trigger ran more than once').to.deep.equal([]);
    expect(counts.size).to.equal(n + 1);
  });

  it('a timer fires once per firing, cluster-wide', async () => {
    const sk = w.system.systemKey;
    await w.dev.request('POST', `/admin/code/v/1/${sk}/onTick`, { body: { code: ON_TICK, parameters: [] } });
    const watchers = await Promise.all(
      (['a', 'b', 'c'] as const).map((id: NodeId) =>
        mqttOn(w.cluster.node(id), w.system, `timer-watch-${id}`),
      ),
    );
    clients.push(...watchers);
    const seen = watchers.map((w) => collect(w));
    await Promise.all(watchers.map((w) => w.subscribeAsync(['$timer/tick', 'runs/timer'], { qos: 1 })));
    const runs = 5;
    await sameDevOn(w.dev, w.cluster.node('c')).request('POST', `/admin/triggers/timers/${sk}/tick`, {
      body: { start_time: 'Now', repeats: runs - 1, frequency: 1, service_name: 'onTick' },
    });
    // Every node's watcher sees each firing's event and each run's publish; the last firing is `run: 5`.
    const isLast = (m: { topic: string; payload: string }) =>
      m.topic === '$timer/tick' && (JSON.parse(m.payload) as { run?: unknown }).run === runs;
    await Promise.all(seen.map((s, i) => s.until(1, WAIT_MS, `the last firing on ${'abc'[i]}`, isLast)));
    await Promise.all(
      seen.map((s, i) =>
        s.until(runs, WAIT_MS, `timer runs seen on ${'abc'[i]}`, (m) => m.topic === 'runs/timer'),
      ),
    );
    for (const [i, s] of seen.entries()) {
      const firings = s.messages
        .filter((m) => m.topic === '$timer/tick')
        .map((m) => (JSON.parse(m.payload) as { run: number }).run)
        .sort((x, y) => x - y);
      const serviceRuns = s.messages.filter((m) => m.topic === 'runs/timer').length;
      expect(
        { firings, serviceRuns },
        `$timer/tick run numbers and service runs seen on ${'abc'[i]}`,
      ).to.deep.equal({
        firings: [1, 2, 3, 4, 5],
        serviceRuns: runs,
      });
    }
  });
});
