import { expect } from 'chai';
import { createManualClock } from '../../services/kernel/clock.js';
import { harness, request, service, type Harness } from '../engine/helpers.js';
import { waitFor } from '../helpers/wait-for.js';

describe('runtime API: ClearBlade.Messaging()', () => {
  let h: Harness;
  afterEach(async () => {
    await h.engine.close();
  });

  const micro = (name: string, body: string, overrides = {}) =>
    service(name, `function ${name}(req, resp) { ${body} }`, overrides);
  const stream = (name: string, body: string) => micro(name, body, { executionTimeout: -1 });

  describe('publish, subscribe, waitForMessage', () => {
    beforeEach(async () => {
      h = await harness();
    });

    it('publishes strings and ArrayBuffers with optional qos and retain', async () => {
      const body =
        'var m = ClearBlade.Messaging(); m.publish("a", "text"); m.publish("b", new Uint8Array([0, 255, 7]).buffer, 1, true);' +
        ' m.publish("c", {n: 1}, 2); resp.success(true);';
      expect(await h.engine.invoke(micro('Pub', body), request())).to.include({ success: true });
      await h.host.publishedTo('c');
      const [a, b, c] = h.host.published;
      expect(a).to.include({ topic: 'a', payload: 'text', qos: 0, retain: false });
      expect(b).to.include({ topic: 'b', qos: 1, retain: true });
      expect([...(b.payload as Uint8Array)]).to.deep.equal([0, 255, 7]);
      expect(c).to.include({ topic: 'c', payload: '{"n":1}', qos: 2 });
    });

    it('logs a refused publish as a warning of the run instead of failing it', async () => {
      const warning = 'publish to denied/x failed: not allowed to publish to denied/x';
      // The run stays open on a "go" message until the host has logged the refusal.
      const body =
        'var m = ClearBlade.Messaging(); m.subscribe("go", function () {}); m.publish("denied/x", "y");' +
        ' m.waitForMessage(["go"], function () {}); resp.success(1);';
      const p = h.engine.invoke(micro('PubDenied', body), request());
      await waitFor(h.host.events, 'changed', () => h.host.logs.some((l) => l.line.message === warning), {
        what: 'the refused publish logged',
      });
      h.host.feed('go', '1');
      const r = await p;
      expect(r.success).to.equal(true);
      expect(r.logs.map((l) => [l.level, l.message])).to.deep.include(['warn', warning]);
    });

    it('calls the subscribe callback once with (false, null), or (true, message) when refused', async () => {
      h.host.deny.add('secret/#');
      const body =
        'var m = ClearBlade.Messaging(); var out = []; m.subscribe("ok/#", function (e, d) { out.push([e, d]); });' +
        ' m.subscribe("secret/#", function (e, d) { out.push([e, d]); }); resp.success(out);';
      const r = await h.engine.invoke(micro('Sub', body), request());
      expect(r.results).to.deep.equal([
        [false, null],
        [true, 'not allowed to subscribe to secret/#'],
      ]);
      expect(h.host.subscriptions(), 'subscriptions end with the run').to.deep.equal([]);
    });

    it('hands messages to waitForMessage as (false, payload string, topic), in order', async () => {
      const body =
        'var m = ClearBlade.Messaging(); m.subscribe("in/+", function () {}); var got = [];' +
        ' while (got.length < 3) m.waitForMessage(["in/+"], function (err, msg, topic) { got.push([err, topic, JSON.parse(msg).n]); });' +
        ' resp.success(got);';
      const p = h.engine.invoke(stream('Wait', body), request());
      await h.host.subscribed('in/+');
      for (let n = 1; n <= 3; n++) h.host.feed(`in/${n}`, JSON.stringify({ n }));
      expect((await p).results).to.deep.equal([
        [false, 'in/1', 1],
        [false, 'in/2', 2],
        [false, 'in/3', 3],
      ]);
    });

    it('subscribes waitForMessage topics that were not subscribed yet, and keeps other topics queued', async () => {
      const body =
        'var m = ClearBlade.Messaging(); m.subscribe("a", function () {}); m.subscribe("b", function () {}); var got = [];' +
        ' m.waitForMessage(["b"], function (e, msg, t) { got.push(t + ":" + msg); });' +
        ' m.waitForMessage(["a"], function (e, msg, t) { got.push(t + ":" + msg); });' +
        ' m.waitForMessage(["c"], function (e, msg, t) { got.push(t + ":" + msg); }); resp.success(got);';
      const p = h.engine.invoke(stream('Order', body), request());
      await h.host.subscribed('b');
      h.host.feed('a', 'first');
      h.host.feed('b', 'second');
      await h.host.subscribed('c');
      h.host.feed('c', 'third');
      expect((await p).results).to.deep.equal(['b:second', 'a:first', 'c:third']);
    });

    it('delivers a burst queued while the service was busy, all of it, one by one', async () => {
      const body =
        'var m = ClearBlade.Messaging(); m.subscribe("burst", function () {}); var n = 0;' +
        ' while (n < 500) m.waitForMessage(["burst"], function (e, msg) { n += Number(msg); }); resp.success(n);';
      const p = h.engine.invoke(stream('Burst', body), request());
      await h.host.subscribed('burst');
      for (let i = 0; i < 500; i++) h.host.feed('burst', '1');
      expect((await p).results).to.equal(500);
    });

    it('takes $share/ topics as subscriptions and delivers their messages', async () => {
      const body =
        'var m = ClearBlade.Messaging(); m.subscribe("$share/g1/jobs/+", function () {});' +
        ' m.waitForMessage(["$share/g1/jobs/+"], function (e, msg, topic) { resp.success([topic, msg]); });';
      const p = h.engine.invoke(stream('Share', body), request());
      await h.host.subscribed('$share/g1/jobs/+');
      h.host.feed('jobs/7', 'work');
      expect((await p).results).to.deep.equal(['jobs/7', 'work']);
    });

    it('unsubscribes: the host subscription is gone and the callback gets (false, null)', async () => {
      // The run stays open on a "go" message so the test can look at the host's subscriptions.
      const body =
        'var m = ClearBlade.Messaging(); m.subscribe("go", function () {}); m.subscribe("u", function () {});' +
        ' m.unsubscribe("u", function (e, d) { log(e, d); }); m.waitForMessage(["go"], function () {});' +
        ' resp.success(1);';
      const p = h.engine.invoke(micro('Unsub', body), request());
      await waitFor(
        h.host.events,
        'changed',
        () => h.host.logs.some((l) => l.line.message === 'false null'),
        {
          what: 'the unsubscribe callback',
        },
      );
      expect(h.host.subscriptions()).to.deep.equal(['go']);
      h.host.feed('go', '1');
      const r = await p;
      expect(r.logs[0]?.message).to.equal('false null');
    });

    it('bounds each subscription buffer, drops the oldest and logs the count', async () => {
      await h.engine.close();
      h = await harness({ limits: { maxBufferedMessages: 3 } });
      // The run waits in a host call the test answers after all five messages are in the buffer (a "go"
      // message would itself take a place in the run's buffer and push out one of them).
      let go: () => void = () => {};
      const gate = new Promise<string[]>((resolve) => {
        go = () => resolve([]);
      });
      h.host.answers['history.currentTopics'] = () => gate;
      const body =
        'var m = ClearBlade.Messaging(); m.subscribe("full", function () {}); m.getCurrentTopics(function () {});' +
        ' var got = [];' +
        ' while (got.length < 3) m.waitForMessage(["full"], function (e, msg) { got.push(msg); }); resp.success(got);';
      const p = h.engine.invoke(stream('Full', body), request());
      await h.host.subscribed('full');
      for (let i = 1; i <= 5; i++) h.host.feed('full', String(i));
      go();
      const r = await p;
      expect(r.results).to.deep.equal(['3', '4', '5']);
      expect(r.logs.map((l) => l.message)).to.include(
        '1 message(s) dropped on full: the subscription buffer is full',
      );
    });
  });

  describe('platform-side helpers', () => {
    it('schedules, repeats and cancels delayed publishes (setTimeout, setInterval, cancelCB*)', async () => {
      const clock = createManualClock();
      h = await harness({}, clock);
      const body =
        'var m = ClearBlade.Messaging(); var ids = {};' +
        ' m.setTimeout(1000, "later", "once", function (e, id) { ids.t = id; });' +
        ' m.setInterval(500, "tick", "x", 3, function (e, id) { ids.i = id; });' +
        ' m.setTimeout(1000, "never", "no", function (e, id) { m.cancelCBTimeout(id, function (e2, d) { ids.c = [e2, d]; }); });' +
        ' m.cancelCBInterval("unknown", function (e, d) { ids.u = e; }); resp.success(ids);';
      const r = await h.engine.invoke(micro('Delayed', body), request());
      const ids = r.results as { t: string; i: string; c: unknown[]; u: boolean };
      expect(ids.t).to.be.a('string');
      expect(ids.c).to.deep.equal([false, 'canceled']);
      expect(ids.u).to.equal(true);
      clock.advance(500);
      clock.advance(500);
      clock.advance(500);
      clock.advance(500);
      await h.host.publishedTo('tick', 3);
      await h.host.publishedTo('later', 1);
      expect(h.host.published.filter((p) => p.topic === 'tick')).to.have.length(3);
      expect(h.host.published.filter((p) => p.topic === 'never')).to.have.length(0);
    });

    it('reaches history through Host.call with the bridge op names', async () => {
      h = await harness();
      h.host.answers['history.get'] = (args) => [{ topic: args[0], count: args[2] }];
      h.host.answers['history.getWithTimeFrame'] = (args) => args;
      h.host.answers['history.getAndDelete'] = (args) => args.length;
      h.host.answers['history.currentTopics'] = () => ['a', 'b'];
      const body =
        'var m = ClearBlade.Messaging(); var out = [];' +
        ' m.getMessageHistory("t", 100, 5, function (e, d) { out.push(d); });' +
        ' m.getMessageHistoryWithTimeFrame("t", 2, 3, 4, 5, function (e, d) { out.push(d); });' +
        ' m.getAndDeleteMessageHistory("t", 2, 3, 4, 5, function (e, d) { out.push(d); });' +
        ' m.getCurrentTopics(function (e, d) { out.push(d); }); resp.success(out);';
      const r = await h.engine.invoke(micro('Hist', body), request());
      expect(r.results).to.deep.equal([[{ topic: 't', count: 5 }], ['t', 2, 3, 4, 5], 5, ['a', 'b']]);
      expect(h.host.calls.map((c) => c.op)).to.deep.equal([
        'history.get',
        'history.getWithTimeFrame',
        'history.getAndDelete',
        'history.currentTopics',
      ]);
    });
  });
});
