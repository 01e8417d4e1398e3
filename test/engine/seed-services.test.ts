import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { waitFor } from '../helpers/wait-for.js';
import { harness, request, service, type Harness } from './helpers.js';

const example = (name: string): string =>
  readFileSync(new URL(`../../examples/services/${name}.js`, import.meta.url), 'utf8');

// Test-only instrumentation put in front of an unchanged seed service: logs what waitForMessage hands over.
const TRACE_WAITS =
  'var __messaging = ClearBlade.Messaging; ClearBlade.Messaging = function () { var m = __messaging.apply(null, arguments);' +
  ' var wait = m.waitForMessage; m.waitForMessage = function (topics, cb) { return wait(topics, function (err, msg, topic) {' +
  ' log("got", topic, msg); return cb(err, msg, topic); }); }; return m; };\n';

describe('examples: the seed services and the small examples', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await h.engine.close();
  });

  it('triggerStreamService receives messages on both of its event topics', async () => {
    const s = service('triggerStreamService', TRACE_WAITS + example('triggerStreamService'), {
      executionTimeout: -1,
      loggingEnabled: true,
    });
    await h.engine.startStream(s, request());
    await h.host.subscribed('$trigger/device/created');
    await h.host.subscribed('$trigger/messaging/device/connected');
    const got = () =>
      h.host.logs.filter((l) => l.service === 'triggerStreamService').map((l) => l.line.message);
    const handedOver = waitFor(h.host.events, 'changed', () => got().length >= 2, {
      what: 'two messages handed over',
    });
    h.host.feed('$trigger/device/created', JSON.stringify({ deviceName: 'd1' }));
    h.host.feed('$trigger/messaging/device/connected', JSON.stringify({ deviceName: 'd1' }));
    await handedOver;
    expect(got()).to.deep.equal([
      'got $trigger/device/created {"deviceName":"d1"}',
      'got $trigger/messaging/device/connected {"deviceName":"d1"}',
    ]);
    expect(h.engine.running()[0]).to.include({ name: 'triggerStreamService', state: 'running' });
    expect(h.host.published.filter((p) => p.topic === 'service/error')).to.deep.equal([]);
  });

  it('triggerStreamService reports a refused subscription on service/error and ends with resp.error', async () => {
    h.host.deny.add('$trigger/device/created');
    const s = service('triggerStreamService', example('triggerStreamService'), { executionTimeout: -1 });
    const r = await h.engine.invoke(s, request());
    expect(r).to.include({ success: false, results: 'Sub failed' });
    expect(h.host.published.map((p) => [p.topic, p.payload])).to.deep.equal([
      ['service/error', 'Subscribe failed'],
    ]);
  });

  it('SharedTopic subscribes to $share/GROUP_ID/topic/+ and publishes', async () => {
    const seen: string[] = [];
    const subscribe = h.host.subscribe.bind(h.host);
    h.host.subscribe = (ctx, filter, onMessage) => {
      seen.push(filter);
      return subscribe(ctx, filter, onMessage);
    };
    const r = await h.engine.invoke(service('SharedTopic', example('SharedTopic')), request());
    expect(r).to.include({ success: true, results: null });
    expect(seen).to.deep.equal(['$share/GROUP_ID/topic/+']);
    await h.host.publishedTo('topic/+');
    expect(h.host.published.map((p) => [p.topic, p.payload])).to.deep.equal([
      ['topic/+', 'Publishing to a shared topic'],
    ]);
  });

  it('Adder answers 7 for 3 + 4, publishes and logs', async () => {
    const r = await h.engine.invoke(service('Adder', example('Adder')), request({ lhs: 3, rhs: 4 }));
    expect(r).to.include({ success: true, results: 7 });
    expect(r.logs.map((l) => l.message)).to.deep.equal(['added 3 and 4']);
    expect((await h.host.publishedTo('adder/result'))[0].payload).to.equal('{"sum":7}');
  });

  it('SensorAlerts turns hot readings into alerts (workflow 1)', async () => {
    const s = service('SensorAlerts', example('SensorAlerts'), { executionTimeout: -1 });
    await h.engine.startStream(s, request());
    await h.host.subscribed('sensors/+/temp');
    h.host.feed('sensors/7/temp', JSON.stringify({ celsius: 20 }));
    h.host.feed('sensors/7/temp', JSON.stringify({ celsius: 35 }));
    const [alert] = await h.host.publishedTo('alerts/7');
    expect(alert.payload).to.equal('{"sensor":"7","celsius":35}');
  });

  it('Chained calls Adder through Code().execute', async () => {
    const adder = service('Adder', example('Adder'));
    h.host.executor = (ctx, name, params) => h.engine.invoke(adder, request(params, { hop: ctx.hop + 1 }));
    const r = await h.engine.invoke(service('Chained', example('Chained')), request({ x: 41 }));
    expect(r).to.deep.include({ success: true, results: { incremented: 42 } });
  });
});
