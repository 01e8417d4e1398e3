import { expect } from 'chai';
import { createHost, type HostBroker } from '../../../services/code/host.js';
import type { OpHandler } from '../../../services/kernel/component.js';
import type { Caller, Host, HostContext, InvokeResult } from '../../../engine/types.js';
import type { InternalHandler, PublishOptions } from '../../../broker/types.js';
import { silentLog } from '../../../runtime-api/log.js';

const SK = 'aaaabbbbccccddddeeeeffff000011';
const runAs: Caller = { kind: 'user', id: 'u1', name: 'u@x', token: 'tok', systemKey: SK };
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
  let broker: ReturnType<typeof recordingBroker>;
  let host: Host;
  let ops: Map<string, OpHandler>;
  let executed: Array<{ name: string; caller: Caller; hop: number; authorize: boolean }>;

  beforeEach(() => {
    broker = recordingBroker();
    executed = [];
    ops = new Map();
    host = createHost({
      broker,
      ops: (op) => ops.get(op),
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

  it('hands one message matching two subscriptions over with one identity, converted once', async () => {
    const got: Array<{ payload: string; message: object | undefined }> = [];
    const sink = (_t: string, payload: string, message?: object) => got.push({ payload, message });
    await host.subscribe(ctx, 'y/+', sink);
    await host.subscribe(ctx, 'y/#', sink);
    const payload = Buffer.from('one message');
    const deliver = (filter: string) =>
      broker.handlers.get(filter)?.({
        systemKey: SK,
        topic: 'y/1',
        payload,
        qos: 0,
        retain: false,
        hop: 0,
        time: 0,
      });
    deliver('y/+');
    deliver('y/#');
    expect(got).to.have.length(2);
    expect(got[0].message).to.equal(payload);
    expect(got[1].message, 'the same object for both subscriptions').to.equal(got[0].message);
    expect(got[1].payload).to.equal('one message');
  });

  it('runs Code().execute through the one door with the permission check and hop + 1', async () => {
    await host.execute(ctx, 'Other', { a: 1 }, false);
    expect(executed).to.deep.equal([{ name: 'Other', caller: runAs, hop: 3, authorize: true }]);
  });

  it('refuses a bridge op its table has no handler for, and runs one the table holds', async () => {
    const err = await host.call(ctx, 'history.get', ['t', 0, 1]).catch((e: unknown) => e);
    expect(err).to.have.property('code', 'CB_ERR_CODE_OP_UNAVAILABLE');
    ops.set('history.get', (_c, args) => Promise.resolve({ args }));
    expect(await host.call(ctx, 'history.get', ['t', 0, 1])).to.deep.equal({ args: ['t', 0, 1] });
    const unknown = await host.call(ctx, 'no.such', []).catch((e: unknown) => e);
    expect(unknown).to.have.property('code', 'CB_ERR_CODE_OP_UNAVAILABLE');
  });
});
