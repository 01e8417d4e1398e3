// `$trigger/...` event topics over a whole platform: published only when watched (counted on the broker's
// own `published` events), payload = the trigger's req.params, role ACL on subscribe, `$share` groups, and
// the seed's triggerStreamService receiving device events in a real stream service.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { BrokerMessage } from '../../../broker/types.js';
import { waitFor } from '../../helpers/wait-for.js';
import { messages, startRig, type Rig } from './rig.js';

const SEED_STREAM = readFileSync(
  new URL('../../../examples/services/triggerStreamService.js', import.meta.url),
  'utf8',
);

/** A stream service shaped like the seed's, which republishes what it receives so the test can see it. */
const PROBE_STREAM = `function probe(req, resp) {
  var topics = ['$trigger/device/created', '$trigger/messaging/device/connected'];
  var messaging = ClearBlade.Messaging();
  messaging.subscribe(topics[0], function () {});
  messaging.subscribe(topics[1], function () {});
  while (true) {
    messaging.waitForMessage(topics, function (err, msg, topic) {
      if (!err) messaging.publish('probe/' + topic.slice(1), msg);
    });
  }
}`;

/** A stream that answers every publish event of `loop/x` with another publish on `loop/x`: an endless loop without the hop rule. */
const LOOP_STREAM = `function looper(req, resp) {
  var m = ClearBlade.Messaging();
  m.subscribe('$trigger/messaging/publish', function () {});
  m.publish('loop/ready', 'ready');
  while (true) {
    m.waitForMessage(['$trigger/messaging/publish'], function (err, msg) {
      if (err) return;
      if (JSON.parse(msg).topic === 'loop/x') m.publish('loop/x', 'again');
    });
  }
}`;

describe('event topics over the platform', () => {
  let rig: Rig;
  let sk: string;
  let published: BrokerMessage[];
  let off: () => void;

  beforeEach(async () => {
    rig = await startRig();
    sk = rig.ws.systemKey;
    published = [];
    off = rig.tp.platform.broker.on('published', (m) => {
      if (m.topic.startsWith('$trigger/') || m.topic.startsWith('$timer/')) published.push(m);
    });
  });
  afterEach(async () => {
    off();
    await rig.close();
  });

  it('publishes nothing for events nobody watches', async () => {
    const token = await rig.createDevice('quiet');
    const device = await rig.mqtt(token, 'quiet');
    await device.publishAsync('anything', 'x');
    await device.endAsync();
    await rig.dev.call('DELETE', `/admin/devices/${sk}/quiet`);
    expect(published).to.deep.equal([]);
  });

  it('publishes the req.params JSON while subscribed, and stops after unsubscribe', async () => {
    const watcher = await rig.mqtt(rig.devToken, 'watcher');
    await watcher.subscribeAsync('$trigger/device/created');
    const got = messages(watcher, 1);
    await rig.createDevice('first');
    const [event] = await got;
    expect(event.topic).to.equal('$trigger/device/created');
    expect(event.json).to.include({ deviceName: 'first', trigger: 'Device::DeviceCreated' });
    expect(event.json).to.have.nested.property('device.system_key', sk);
    await watcher.unsubscribeAsync('$trigger/device/created');
    await rig.createDevice('second');
    expect(published.map((m) => m.topic)).to.deep.equal(['$trigger/device/created']);
  });

  it('lets a role without the $trigger topics be refused on subscribe', async () => {
    const user = await rig.createUser('eve@x.io');
    const client = await rig.mqtt(user.token, 'eve');
    // mqtt.js rejects a SUBACK 0x80 with the packet attached
    const refused: unknown = await client.subscribeAsync('$trigger/#').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).to.have.nested.property('packet.granted').that.deep.equals([128]);
    await rig.grant({ topics: [{ itemInfo: { name: '$trigger/device/#' }, permissions: 1 }] });
    const again = await client.subscribeAsync('$trigger/device/created');
    expect(again.map((g) => g.qos)).to.deep.equal([0]);
  });

  it('load-balances $share/<group>/$trigger/# across the members of a group', async () => {
    const a = await rig.mqtt(rig.devToken, 'member-a');
    const b = await rig.mqtt(rig.devToken, 'member-b');
    await a.subscribeAsync('$share/streams/$trigger/#');
    await b.subscribeAsync('$share/streams/$trigger/#');
    const seen: string[] = [];
    const all = new Promise<void>((resolve) => {
      const on = (who: string) => (topic: string, payload: Buffer) => {
        const json = JSON.parse(payload.toString('utf8')) as { deviceName?: string };
        if (topic === '$trigger/device/created') seen.push(`${who}:${String(json.deviceName)}`);
        if (seen.length === 4) resolve();
      };
      a.on('message', on('a'));
      b.on('message', on('b'));
    });
    for (const name of ['d1', 'd2', 'd3', 'd4']) await rig.createDevice(name);
    await all;
    expect(seen.map((s) => s.slice(2)).sort()).to.deep.equal(['d1', 'd2', 'd3', 'd4']);
    expect(seen.filter((s) => s.startsWith('a:'))).to.have.length.greaterThan(0);
    expect(seen.filter((s) => s.startsWith('b:'))).to.have.length.greaterThan(0);
  });

  it("runs the seed's triggerStreamService: its subscriptions make device events flow to it", async () => {
    const errors: string[] = [];
    const broker = rig.tp.platform.broker;
    const offErrors = broker.on('published', (m) => {
      if (m.topic === 'service/error') errors.push(m.payload.toString('utf8'));
    });
    // both streams' subscriptions in place: the broker reports each internal subscription it made
    const subscribed = waitFor(
      broker,
      'internalSubscribed',
      () =>
        broker.hasSubscribers(sk, '$trigger/device/created') &&
        broker.hasSubscribers(sk, '$trigger/messaging/device/connected'),
      { timeoutMs: 10_000, what: 'the streams subscribing to both $trigger topics' },
    );
    await rig.dev.call('POST', `/admin/code/v/1/${sk}/triggerStreamService`, {
      code: SEED_STREAM,
      parameters: [],
      execution_timeout: -1,
    });
    await rig.dev.call('POST', `/admin/code/v/1/${sk}/probe`, {
      code: PROBE_STREAM,
      parameters: [],
      execution_timeout: -1,
    });
    await subscribed;
    const watcher = await rig.mqtt(rig.devToken, 'probe-watcher');
    await watcher.subscribeAsync('probe/#');
    const probed = messages(watcher, 2);
    const token = await rig.createDevice('sensor-1');
    await rig.mqtt(token, 'sensor-1');
    const got = await probed;
    expect(got.map((g) => g.topic).sort()).to.deep.equal([
      'probe/trigger/device/created',
      'probe/trigger/messaging/device/connected',
    ]);
    expect(got.find((g) => g.topic.endsWith('connected'))?.json).to.deep.equal({
      deviceName: 'sensor-1',
      trigger: 'Messaging::MQTTDeviceConnected',
    });
    expect(published.map((m) => m.topic)).to.include.members([
      '$trigger/device/created',
      '$trigger/messaging/device/connected',
    ]);
    const running = (await rig.dev.call('GET', `/codeadmin/v/3/running/${sk}`)) as Record<string, unknown>;
    expect(JSON.stringify(running)).to.include('triggerStreamService');
    expect(errors).to.deep.equal([]);
    offErrors();
  });

  it('ends a stream that re-triggers itself through $trigger/messaging/publish at the hop limit', async () => {
    const limit = rig.tp.config.engine.hopLimit;
    const witness = await rig.mqtt(rig.devToken, 'loop-witness');
    await witness.subscribeAsync('loop/#');
    const ready = messages(witness, 1, (t) => t === 'loop/ready');
    await rig.dev.call('POST', `/admin/code/v/1/${sk}/looper`, {
      code: LOOP_STREAM,
      parameters: [],
      execution_timeout: -1,
    });
    await ready;
    // The stream's own `loop/ready` came back to it as an event at hop 1 before the start event (hop 0):
    // a publish carries the deepest hop received since the previous one, so its first answer is at hop 2.
    // The witness sees the start and hops 2..limit: `limit` messages.
    const loops = messages(witness, limit + 1, (t) => t === 'loop/x' || t === 'loop/done', 20_000);
    const deepest = new Promise<BrokerMessage>((resolve) => {
      const offDeep = rig.tp.platform.broker.on('published', (m) => {
        if (m.topic === 'loop/x' && m.hop >= limit) {
          offDeep();
          resolve(m);
        }
      });
    });
    await witness.publishAsync('loop/x', 'start', { qos: 1 });
    expect((await deepest).hop).to.equal(limit);
    // the event of that deepest publish was refused (synchronously, on the same broker event)
    const refused = rig.tp.log.lines.filter((l) => l.code === 'CB_ERR_TRIGGER_HOP_LIMIT');
    expect(refused).to.have.length(1);
    expect(refused[0]).to.include({ topic: '$trigger/messaging/publish', systemKey: sk });
    // a marker published after it comes back after every loop message: the chain ended there
    await witness.publishAsync('loop/done', 'end', { qos: 1 });
    const got = await loops;
    expect(got.map((m) => m.topic)).to.deep.equal([
      ...Array.from({ length: limit }, () => 'loop/x'),
      'loop/done',
    ]);
    const events = published.filter((m) => m.topic === '$trigger/messaging/publish');
    const loopEvents = events.filter((m) => String(m.payload).includes('"loop/x"'));
    expect(loopEvents.map((m) => m.hop)).to.deep.equal([
      0,
      ...Array.from({ length: limit - 2 }, (_, i) => i + 2),
    ]);
  });
});
