import { expect } from 'chai';
import { createManualClock, type ManualClock } from '../../services/kernel/clock.js';
import { SYSTEM_KEY as SYSTEM, harness, request, service, type Harness } from './helpers.js';

// The hostile battery, continued: what a service holds OUTSIDE its isolate's heap (DESIGN.md "Code services", Limits per service).
// Each attack is reproduced at a size that shows the limit; the run ends (or the publish is dropped) with a
// stable code, and the engine's own accounting shows what the host holds.

const stream = (name: string, body: string) =>
  service(name, `function ${name}(req, resp) { ${body} }`, { executionTimeout: -1 });
const micro = (name: string, body: string, overrides = {}) =>
  service(name, `function ${name}(req, resp) { ${body} }`, overrides);

/** A wasm module defining one memory: `max` pages, or no maximum when undefined. */
function wasmModule(max: number | undefined): number[] {
  const leb = (n: number): number[] => {
    const out: number[] = [];
    do {
      let byte = n & 0x7f;
      n >>>= 7;
      if (n !== 0) byte |= 0x80;
      out.push(byte);
    } while (n !== 0);
    return out;
  };
  const limits = max === undefined ? [0, 1] : [1, 1, ...leb(max)];
  const memory = [1, ...limits];
  return [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, memory.length, ...memory];
}

/** Service code leaving in `fs` the 256 filters (each level its letter or `+`) that match a/b/c/d/e/f/g/h. */
const FILTERS_256 =
  'var lv = "abcdefgh".split(""); var fs = [];' +
  ' for (var i = 0; i < 256; i++) { var f = []; for (var j = 0; j < 8; j++) f.push((i >> j) & 1 ? "+" : lv[j]); fs.push(f.join("/")); }';

describe('engine: limits outside the isolate heap', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.engine.close();
    h = undefined;
  });

  describe('messages queued for a stream instance', () => {
    it('queues a message matching 256 subscriptions once, and counts it once', async () => {
      h = await harness({ limits: { maxSubscriptions: 300 } });
      const body =
        `var m = ClearBlade.Messaging(); ${FILTERS_256}` +
        ' fs.forEach(function (f) { m.subscribe(f); }); m.subscribe("end"); m.subscribe("go"); m.publish("ready", String(fs.length));' +
        ' m.waitForMessage(["go"], function () {});' +
        ' var got = 0, topic = ""; while (topic !== "end") m.waitForMessage(fs.concat(["end"]), function (e, msg, t) { topic = t; if (t !== "end") got++; });' +
        ' resp.success(got);';
      const svc = stream('Fan256', body);
      const done = h.engine.invoke(svc, request());
      await h.host.publishedTo('ready');
      const payload = 'x'.repeat(1024 * 1024);
      expect(h.host.feed('a/b/c/d/e/f/g/h', payload)).to.equal(256);
      h.host.feed('end', '');
      h.host.feed('go', '');
      const result = await done;
      expect(result.results, 'delivered once, however many subscriptions matched').to.equal(1);
    });

    it('shows a running instance holding one copy: buffered messages and bytes in running()', async () => {
      h = await harness({ limits: { maxSubscriptions: 300 } });
      const body =
        `var m = ClearBlade.Messaging(); ${FILTERS_256} fs.forEach(function (f) { m.subscribe(f); });` +
        ' m.publish("ready", "1"); m.waitForMessage(["go"], function () {});';
      await h.engine.startStream(stream('Held256', body), request());
      await h.host.publishedTo('ready');
      const topic = 'a/b/c/d/e/f/g/h';
      const payload = 'y'.repeat(1024 * 1024);
      h.host.feed(topic, payload);
      h.host.feed(topic, payload);
      const [inst] = h.engine.running();
      expect(inst.buffered).to.deep.equal({
        messages: 2,
        bytes: 2 * (topic.length + payload.length),
        dropped: 0,
      });
    });

    it('bounds the queue per instance in bytes, drops the oldest, counts and logs it', async () => {
      h = await harness({ limits: { maxBufferedBytes: 4096 } });
      const body =
        'var m = ClearBlade.Messaging(); m.subscribe("x"); m.publish("ready", "1");' +
        ' m.waitForMessage(["go"], function () {}); var got = [], topic = "";' +
        ' while (topic !== "end") m.waitForMessage(["x", "end"], function (e, msg, t) { topic = t; if (t === "x") got.push(msg.charAt(0)); });' +
        ' resp.success(got.join(""));';
      await h.engine.startStream(stream('Bytes', body), request());
      await h.host.publishedTo('ready');
      for (let i = 0; i < 10; i++) h.host.feed('x', String(i).repeat(1000));
      const [inst] = h.engine.running();
      expect(inst.buffered?.messages).to.equal(4);
      expect(inst.buffered?.bytes).to.be.at.most(4096);
      expect(inst.buffered?.dropped).to.equal(6);
      expect(h.host.logs.map((l) => l.line.message)).to.include(
        '1 message(s) dropped on x: the subscription buffer is full',
      );
    });
  });

  describe('WebAssembly', () => {
    it('is not there unless the service enables it', async () => {
      h = await harness();
      const r = await h.engine.invoke(micro('NoWasm', 'resp.success(typeof WebAssembly);'), request());
      expect(r.results).to.equal('undefined');
    });

    it('ends a run whose module declares more memory than a 32 MB limit with CB_ERR_SANDBOX_WASM_MEMORY', async () => {
      h = await harness();
      const big = JSON.stringify(wasmModule(1024)); // 64 MB
      const r = await h.engine.invoke(
        micro('WasmBig', `new WebAssembly.Module(new Uint8Array(${big})); resp.success("compiled");`, {
          wasm: true,
          memoryLimitMb: 32,
        }),
        request(),
      );
      expect(r.code).to.equal('CB_ERR_SANDBOX_WASM_MEMORY');
    });

    it('refuses a memory without a maximum, and growth past the budget by instantiating again', async () => {
      h = await harness();
      const unbounded = JSON.stringify(wasmModule(undefined));
      const r1 = await h.engine.invoke(
        micro('WasmNoMax', `WebAssembly.instantiate(new Uint8Array(${unbounded}));`, { wasm: true }),
        request(),
      );
      expect(r1.code).to.equal('CB_ERR_SANDBOX_WASM_MEMORY');
      // 16 pages (1 MB) each: a 32 MB budget holds 32 instances, the 33rd is refused.
      const small = JSON.stringify(wasmModule(16));
      const r2 = await h.engine.invoke(
        micro(
          'WasmMany',
          `var mod = new WebAssembly.Module(new Uint8Array(${small})); for (var i = 0; i < 100; i++) { new WebAssembly.Instance(mod, {}); log(i); } resp.success("all");`,
          { wasm: true, memoryLimitMb: 32, loggingEnabled: true },
        ),
        request(),
      );
      expect(r2.code).to.equal('CB_ERR_SANDBOX_WASM_MEMORY');
      expect(r2.logs).to.have.length(32);
    });

    it('bounds new WebAssembly.Memory and keeps the original constructors out of reach', async () => {
      h = await harness();
      const r1 = await h.engine.invoke(
        micro(
          'WasmMem',
          'var m = new WebAssembly.Memory({ initial: 1, maximum: 16 }); var ok = m.grow(15); var more; try { m.grow(1); } catch (e) { more = e.name; }' +
            ' resp.success([ok, more, Object.getPrototypeOf(m).constructor === WebAssembly.Memory, Object.getPrototypeOf(new WebAssembly.Module(new Uint8Array([0,97,115,109,1,0,0,0]))).constructor === WebAssembly.Module]);',
          { wasm: true },
        ),
        request(),
      );
      expect(r1.results).to.deep.equal([1, 'RangeError', true, true]);
      const r2 = await h.engine.invoke(
        micro('WasmMemBig', 'new WebAssembly.Memory({ initial: 1, maximum: 65536 });', { wasm: true }),
        request(),
      );
      expect(r2.code).to.equal('CB_ERR_SANDBOX_WASM_MEMORY');
    });
  });

  it('WebAssembly: tampered typed-array getters and the async paths cannot slip a module past the budget', async () => {
    h = await harness();
    const big = JSON.stringify(wasmModule(1024));
    const body =
      `var bytes = new Uint8Array(${big}); var TA = Object.getPrototypeOf(Uint8Array.prototype);` +
      ' Object.defineProperty(TA, "byteLength", { get: function () { return 8; } });' +
      ' Object.defineProperty(TA, "length", { get: function () { return 8; } });' +
      ' WebAssembly.instantiate(bytes).then(function () { resp.success("instantiated"); }, function (e) { resp.error(String(e)); });';
    const r = await h.engine.invoke(micro('WasmTamper', body, { wasm: true }), request());
    expect(r.code).to.equal('CB_ERR_SANDBOX_WASM_MEMORY');
    const small = JSON.stringify(wasmModule(16));
    const ok = await h.engine.invoke(
      micro(
        'WasmAsync',
        `return WebAssembly.instantiate(new Uint8Array(${small})).then(function (x) { return WebAssembly.instantiate(x.module); }).then(function (i) { resp.success(i instanceof WebAssembly.Instance); });`,
        { wasm: true },
      ),
      request(),
    );
    expect(ok.results).to.equal(true);
  });

  describe('delayed publishes', () => {
    /** Lets 5 s pass in the 500 ms steps the services below tick at; answers how often `topic` was published. */
    const publishedAfterFiveSeconds = (started: Harness, clock: ManualClock, topic: string): number => {
      for (let i = 0; i < 10; i++) clock.advance(500);
      return started.host.published.filter((p) => p.topic === topic).length;
    };

    it('refuses over the per-service count, bytes and minimum period with stable codes', async () => {
      h = await harness({
        limits: { maxDelayedPerService: 3, maxDelayedBytesPerService: 10_000, minDelayedIntervalMs: 500 },
      });
      const body =
        'var m = ClearBlade.Messaging(); var out = [];' +
        ' for (var i = 0; i < 5; i++) m.setTimeout(60000, "later", "p" + i, function (e, d) { out.push(e ? String(d).split(":")[0] : "ok"); });' +
        ' resp.success(out);';
      const r1 = await h.engine.invoke(micro('DelayCount', body), request());
      expect(r1.results).to.deep.equal([
        'ok',
        'ok',
        'ok',
        'CB_ERR_SANDBOX_DELAYED_LIMIT',
        'CB_ERR_SANDBOX_DELAYED_LIMIT',
      ]);
      expect(h.engine.delayedPublishes(SYSTEM, 'DelayCount')).to.have.length(3);
      const big =
        'var m = ClearBlade.Messaging(); m.setTimeout(1000, "t", "z".repeat(20000), function (e, d) { resp.success(d); });';
      const r2 = await h.engine.invoke(micro('DelayBytes', big), request());
      expect(String(r2.results)).to.match(/^CB_ERR_SANDBOX_DELAYED_LIMIT: /);
      const fast =
        'var m = ClearBlade.Messaging(); m.setInterval(1, "t", "x", -1, function (e, d) { resp.success(d); });';
      const r3 = await h.engine.invoke(micro('DelayFast', fast), request());
      expect(String(r3.results)).to.match(/^CB_ERR_SANDBOX_DELAYED_PERIOD: /);
    });

    it('cancels those of a run that timed out: no publish fires after the run ended', async () => {
      const clock = createManualClock();
      h = await harness({}, clock);
      const body = 'ClearBlade.Messaging().setInterval(500, "tick", "x", -1); while (true) {}';
      const r = await h.engine.invoke(micro('Spin', body, { executionTimeout: 0.2 }), request());
      expect(r.code).to.equal('CB_ERR_SANDBOX_TIMEOUT');
      expect(h.engine.delayedPublishes(SYSTEM)).to.deep.equal([]);
      expect(publishedAfterFiveSeconds(h, clock, 'tick')).to.equal(0);
    });

    it('lists those of a finished run and cancels them when the service is updated or deleted', async () => {
      const clock = createManualClock();
      h = await harness({}, clock);
      const body = 'ClearBlade.Messaging().setInterval(500, "tick", "x", -1); resp.success(1);';
      const r = await h.engine.invoke(micro('Ticker', body), request());
      expect(r.success).to.equal(true);
      const [d] = h.engine.delayedPublishes(SYSTEM, 'Ticker');
      expect(d).to.include({ service: 'Ticker', topic: 'tick', intervalMs: 500, remaining: -1, bytes: 5 });
      clock.advance(500);
      await h.host.publishedTo('tick', 1);
      h.engine.retire(SYSTEM, 'Ticker');
      expect(h.engine.delayedPublishes(SYSTEM)).to.deep.equal([]);
      expect(publishedAfterFiveSeconds(h, clock, 'tick')).to.equal(1);
    });

    it('cancels those of a stream instance when it stops', async () => {
      const clock = createManualClock();
      h = await harness({}, clock);
      const body =
        'var m = ClearBlade.Messaging(); m.setInterval(500, "beat", "x", -1, function () {}); m.publish("ready", "1");' +
        ' m.waitForMessage(["never"], function () {});';
      await h.engine.startStream(stream('Beat', body), request());
      await h.host.publishedTo('ready');
      expect(h.engine.delayedPublishes(SYSTEM, 'Beat')).to.have.length(1);
      await h.engine.stopStream(SYSTEM, 'Beat');
      expect(h.engine.delayedPublishes(SYSTEM, 'Beat')).to.deep.equal([]);
      expect(publishedAfterFiveSeconds(h, clock, 'beat')).to.equal(0);
    });
  });

  it('offers no sandbox setTimeout/setInterval that could outlive a run', async () => {
    h = await harness();
    const r = await h.engine.invoke(
      micro('Timers', 'resp.success([typeof setTimeout, typeof setInterval, typeof queueMicrotask]);'),
      request(),
    );
    expect(r.results).to.deep.equal(['undefined', 'undefined', 'undefined']);
  });
});
