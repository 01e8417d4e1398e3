import { expect } from 'chai';
import { createManualClock, type ManualClock } from '../../../services/clock.js';
import { createDelayedPublishes, type DelayedPublishes } from '../../../services/code/delayed-publish.js';
import { createHost, type HostBroker, type PlatformHost } from '../../../services/code/host.js';
import type { Caller, HostContext, InvokeResult } from '../../../engine/types.js';
import type { InternalHandler, PublishOptions } from '../../../broker/types.js';
import { silentLog } from '../../../runtime-api/log.js';

const SK = 'aaaabbbbccccddddeeeeffff000011';
const runAs: Caller = { kind: 'user', id: 'u1', email: 'u@x', token: 'tok', systemKey: SK };
const ctx: HostContext = {
  service: {
    systemKey: SK,
    name: 'Svc',
    version: 3,
    code: '',
    executionTimeout: 60,
    memoryLimitMb: 64,
    concurrency: 0,
    autoRestart: false,
    loggingEnabled: false,
  },
  runAs,
  instanceId: 'inst-1',
  hop: 2,
};

interface Published {
  systemKey: string;
  topic: string;
  payload: string;
  options: PublishOptions;
}

/** Records what the host asks of the broker (the adapter is what is under test here). */
function recordingBroker(): HostBroker & { published: Published[]; handlers: Map<string, InternalHandler> } {
  const published: Published[] = [];
  const handlers = new Map<string, InternalHandler>();
  return {
    published,
    handlers,
    publish(systemKey, topic, payload, options) {
      published.push({ systemKey, topic, payload: payload.toString('utf8'), options });
    },
    subscribe(_systemKey, filter, handler) {
      handlers.set(filter, handler);
      return Promise.resolve(() => {
        handlers.delete(filter);
      });
    },
  };
}

describe('code host (engine Host over broker, invoke door and ops)', () => {
  let clock: ManualClock;
  let delayed: DelayedPublishes;
  let broker: ReturnType<typeof recordingBroker>;
  let host: PlatformHost;
  let executed: Array<{ name: string; caller: Caller; hop: number; authorize: boolean }>;

  beforeEach(() => {
    clock = createManualClock();
    delayed = createDelayedPublishes({ clock, log: silentLog, max: 3 });
    broker = recordingBroker();
    executed = [];
    host = createHost({
      broker,
      delayed,
      log: silentLog,
      invoke: (_sk, name, _params, caller, o) => {
        executed.push({ name, caller, hop: o.hop, authorize: o.authorize });
        return Promise.resolve({
          success: true,
          results: 1,
          logs: [],
          instanceId: 'x',
          durationMs: 0,
        } as InvokeResult);
      },
    });
  });
  afterEach(() => delayed.clear());

  it('publishes as the run-as identity with the hop count one deeper', async () => {
    await host.publish(ctx, 'a/b', 'hello', 1, true);
    await host.publish(ctx, 'bin', new Uint8Array([104, 105]), 0, false);
    expect(broker.published[0]).to.deep.include({ systemKey: SK, topic: 'a/b', payload: 'hello' });
    expect(broker.published[0].options).to.deep.equal({
      qos: 1,
      retain: true,
      hop: 3,
      identity: { kind: 'user', id: 'u1', name: 'u@x', systemKey: SK, token: 'tok' },
    });
    expect(broker.published[1].payload).to.equal('hi');
  });

  it('hands subscribed messages over as strings and unsubscribes', async () => {
    const got: string[] = [];
    const stop = await host.subscribe(ctx, 'x/+', (topic, payload) => got.push(`${topic}=${payload}`));
    broker.handlers.get('x/+')?.({
      systemKey: SK,
      topic: 'x/1',
      payload: Buffer.from('{"v":1}'),
      qos: 0,
      retain: false,
      hop: 0,
      time: 0,
    });
    expect(got).to.deep.equal(['x/1={"v":1}']);
    await stop();
    expect(broker.handlers.size).to.equal(0);
  });

  it('runs Code().execute through the one door with the permission check and hop + 1', async () => {
    await host.execute(ctx, 'Other', { a: 1 }, false);
    expect(executed).to.deep.equal([{ name: 'Other', caller: runAs, hop: 3, authorize: true }]);
  });

  it('refuses a bridge op nobody registered, and runs one registered later', async () => {
    const err = await host.call(ctx, 'history.get', ['t', 0, 1]).catch((e: unknown) => e);
    expect(err).to.have.property('code', 'CB_ERR_CODE_OP_UNAVAILABLE');
    host.registerOps({ 'history.get': (_c, args) => Promise.resolve({ args }) });
    expect(await host.call(ctx, 'history.get', ['t', 0, 1])).to.deep.equal({ args: ['t', 0, 1] });
    expect(() => host.registerOps({ 'no.such': () => 1 })).to.throw('unknown bridge op');
  });

  it('publishes a setTimeout once when its time comes, not before', async () => {
    const id = await host.call(ctx, 'messaging.setTimeout', [1000, 'later', { n: 1 }]);
    expect(id).to.be.a('string');
    clock.advance(999);
    expect(broker.published).to.have.length(0);
    clock.advance(1);
    expect(broker.published.map((p) => [p.topic, p.payload])).to.deep.equal([['later', '{"n":1}']]);
    clock.advance(5000);
    expect(broker.published).to.have.length(1);
  });

  it('repeats a setInterval for its iterations and stops on cancel', async () => {
    await host.call(ctx, 'messaging.setInterval', [100, 'tick', 'x', 3]);
    clock.advance(1000);
    expect(broker.published).to.have.length(3);
    const forever = await host.call(ctx, 'messaging.setInterval', [100, 'ever', 'y', -1]);
    clock.advance(250);
    expect(await host.call(ctx, 'messaging.cancel', [forever])).to.equal(true);
    clock.advance(1000);
    expect(broker.published.filter((p) => p.topic === 'ever')).to.have.length(2);
    const again = await host.call(ctx, 'messaging.cancel', [forever]).catch((e: unknown) => e);
    expect(again).to.have.property('code', 'CB_ERR_CODE_TIMER_UNKNOWN');
  });

  it('bounds pending delayed publishes per system', async () => {
    for (let i = 0; i < 3; i++) await host.call(ctx, 'messaging.setTimeout', [1000, 't', '']);
    const err = await host.call(ctx, 'messaging.setTimeout', [1000, 't', '']).catch((e: unknown) => e);
    expect(err).to.have.property('code', 'CB_ERR_CODE_TIMER_LIMIT');
    expect(delayed.pending(SK)).to.equal(3);
  });

  it("never cancels another system's delayed publish", async () => {
    const id = (await host.call(ctx, 'messaging.setTimeout', [1000, 't', ''])) as string;
    expect(() => delayed.cancel('othersystem', id))
      .to.throw()
      .with.property('code', 'CB_ERR_CODE_TIMER_UNKNOWN');
  });
});
