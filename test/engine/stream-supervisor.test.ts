import { expect } from 'chai';
import { createManualClock, type ManualClock } from '../../services/kernel/clock.js';
import type { RunningInstance } from '../../engine/types.js';
import { waitFor } from '../helpers/wait-for.js';
import { harness, request, service, type Harness } from './helpers.js';

describe('engine: stream services', () => {
  let h: Harness;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = createManualClock();
    h = await harness({ restartBackoff: { initialMs: 1000, maxMs: 4000 } }, clock);
  });
  afterEach(async () => {
    await h.engine.close();
  });

  /** The next stream state change that matches; register it before the action that causes it. */
  const change = (
    predicate: (i: RunningInstance) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<RunningInstance> => waitFor(h.engine, 'stream', predicate, { what, timeoutMs });

  /** Announces itself on `up`, then crashes once a message arrives on `crash` (see crashWhenUp). */
  const crashy = (overrides = {}) =>
    service(
      'Crashy',
      'function Crashy(req, resp) { var m = ClearBlade.Messaging(); m.subscribe("crash", function () {});' +
        ' m.publish("up", req.service_instance_id); m.waitForMessage(["crash"], function () {}); throw new Error("crash"); }',
      {
        executionTimeout: -1,
        autoRestart: true,
        ...overrides,
      },
    );

  /** Waits until the `n`th start of Crashy is up, then lets it crash. */
  const crashWhenUp = async (n: number): Promise<void> => {
    await h.host.publishedTo('up', n);
    h.host.feed('crash', 'now');
  };

  it('restarts a crashing instance with exponential backoff up to the cap', async () => {
    const ups = () => h.host.published.filter((p) => p.topic === 'up').length;
    const firstExit = change((i) => i.state === 'backoff', 'first exit');
    await h.engine.startStream(crashy(), request());
    await crashWhenUp(1);
    await firstExit;
    expect(ups()).to.equal(1);
    for (const [delay, expected] of [
      [1000, 2],
      [2000, 3],
      [4000, 4],
      [4000, 5],
    ]) {
      clock.advance(delay - 1);
      expect(ups(), `not restarted before ${delay} ms`).to.equal(expected - 1);
      const restarted = change((i) => i.state === 'backoff', `restart ${expected - 1}`);
      clock.advance(1);
      await crashWhenUp(expected);
      await restarted;
      expect(ups()).to.equal(expected);
    }
    const [inst] = h.engine.running();
    expect(inst).to.include({
      name: 'Crashy',
      restarts: 4,
      state: 'backoff',
      lastExit: 'CB_ERR_SANDBOX_UNCAUGHT',
    });
    expect(new Set(h.host.published.map((p) => p.payload)).size, 'one instance id across restarts').to.equal(
      1,
    );
  });

  it('keeps the host serving other services while an instance crash-loops', async () => {
    const firstExit = change((i) => i.state === 'backoff', 'first exit');
    await h.engine.startStream(crashy(), request());
    await crashWhenUp(1);
    await firstExit;
    const ok = await h.engine.invoke(
      service('Ok', 'function Ok(req, resp) { resp.success("fine"); }'),
      request(),
    );
    expect(ok).to.include({ success: true, results: 'fine' });
  });

  it('restarts an instance that went over its memory limit', async () => {
    const hog = service(
      'Hog',
      'function Hog(req, resp) { var m = ClearBlade.Messaging(); m.subscribe("go", function () {}); m.publish("hog", "up");' +
        ' m.waitForMessage(["go"], function () {}); var a = []; while (true) a.push({x: a.length}); }',
      {
        executionTimeout: -1,
        autoRestart: true,
        memoryLimitMb: 8,
      },
    );
    const memoryExit = change((i) => i.state === 'backoff', 'memory exit', 20000);
    await h.engine.startStream(hog, request());
    await h.host.publishedTo('hog');
    h.host.feed('go', 'now'); // up and announced: now let it blow its heap
    expect(await memoryExit).to.include({ lastExit: 'CB_ERR_SANDBOX_MEMORY' });
    expect(h.engine.running()[0]).to.include({ lastExit: 'CB_ERR_SANDBOX_MEMORY' });
    const restarted = h.host.publishedTo('hog', 2);
    clock.advance(1000);
    expect(await restarted).to.have.length(2);
  });

  it('does not restart without auto_restart: the instance leaves the running list', async () => {
    const exit = change((i) => i.state === 'stopped', 'exit');
    await h.engine.startStream(crashy({ autoRestart: false }), request());
    await crashWhenUp(1);
    await exit;
    expect(h.engine.running()).to.deep.equal([]);
    expect(clock.pending).to.equal(0);
  });

  it('runs `concurrency` instances, each in its own isolate, and lists them', async () => {
    const s = service(
      'Many',
      'function Many(req, resp) { var m = ClearBlade.Messaging(); m.publish("hello", req.service_instance_id); m.waitForMessage(["never"], function () {}); }',
      {
        executionTimeout: -1,
        concurrency: 3,
      },
    );
    await h.engine.startStream(s, request());
    await h.host.publishedTo('hello', 3);
    const running = h.engine.running('d4a8a4c60b86d3c79bf889b796ff01');
    expect(running).to.have.length(3);
    expect(running.every((r) => r.state === 'running' && r.name === 'Many' && r.restarts === 0)).to.equal(
      true,
    );
    expect(new Set(h.host.published.map((p) => p.payload))).to.deep.equal(
      new Set(running.map((r) => r.instanceId)),
    );
    expect(h.engine.running('another-system')).to.deep.equal([]);
  });

  it('stops one instance by id, then the rest by name, releasing their subscriptions', async () => {
    const s = service(
      'Stoppable',
      'function Stoppable(req, resp) { var m = ClearBlade.Messaging(); m.subscribe("in", function () {}); while (true) m.waitForMessage(["in"], function () {}); }',
      {
        executionTimeout: -1,
        autoRestart: true,
        concurrency: 2,
      },
    );
    await h.engine.startStream(s, request());
    await h.host.subscribedTimes('in', 2);
    const [first] = h.engine.running();
    expect(await h.engine.stopInstance(first.instanceId)).to.equal(true);
    expect(await h.engine.stopInstance(first.instanceId)).to.equal(false);
    expect(h.engine.running()).to.have.length(1);
    await h.engine.stopStream(s.systemKey, s.name);
    expect(h.engine.running()).to.deep.equal([]);
    expect(h.host.subscriptions()).to.deep.equal([]);
    expect(clock.pending, 'no restart scheduled').to.equal(0);
  });

  it('stops the second of two instances after it handled a message once the first was stopped', async () => {
    const s = service(
      'Relay',
      `function Relay(req, resp) {
        var messaging = ClearBlade.Messaging();
        messaging.subscribe("in/#", function () {});
        while (true) {
          messaging.waitForMessage(["in/#"], function (err, msg, topic) {
            if (!err) messaging.publish("out/" + topic, msg.toUpperCase());
          });
        }
      }`,
      { executionTimeout: -1, concurrency: 2 },
    );
    await h.engine.startStream(s, request());
    await h.host.subscribedTimes('in/#', 2);
    const [first, second] = h.engine.running();
    expect(await h.engine.stopInstance(first.instanceId)).to.equal(true);
    expect(h.host.subscriptions()).to.deep.equal(['in/#']);
    expect(h.host.feed('in/a', 'ping')).to.equal(1);
    await h.host.publishedTo('out/in/a');
    expect(await h.engine.stopInstance(second.instanceId)).to.equal(true);
    expect(h.engine.running()).to.deep.equal([]);
    expect(h.host.subscriptions()).to.deep.equal([]);
  });

  it('replaces the running instances when a new version starts', async () => {
    const v1 = service(
      'Versioned',
      'function Versioned(req, resp) { ClearBlade.Messaging().waitForMessage(["x"], function () {}); }',
      { executionTimeout: -1 },
    );
    const v2 = { ...v1, version: v1.version + 1000 };
    await h.engine.startStream(v1, request());
    await h.host.subscribed('x');
    await h.engine.startStream(v2, request());
    expect(h.engine.running().map((r) => r.version)).to.deep.equal([v2.version]);
  });

  it('stops every stream on close', async () => {
    const s = service(
      'Forever',
      'function Forever(req, resp) { ClearBlade.Messaging().waitForMessage(["x"], function () {}); }',
      { executionTimeout: -1 },
    );
    await h.engine.startStream(s, request());
    await h.host.subscribed('x');
    await h.engine.close();
    expect(h.engine.running()).to.deep.equal([]);
    expect(h.host.subscriptions()).to.deep.equal([]);
  });
});
